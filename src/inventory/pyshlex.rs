//! Python's `shlex.split(line, comments=True)` (POSIX mode), which ansible-core's INI plugin uses to
//! cut a host line into words: quotes removed, `\` escapes outside single quotes, and `#` starting a
//! comment wherever a word may continue (`a=b#c` is `a=b`).

/// The words of `line`, or the error Python would raise.
pub fn split(line: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        // Between words: blanks are skipped, a `#` ends the line.
        while chars.next_if(|c| is_blank(*c)).is_some() {}
        match chars.peek() {
            None | Some('#') => return Ok(words),
            Some(_) => {}
        }
        let mut word = String::new();
        while let Some(c) = chars.next() {
            match c {
                c if is_blank(c) => break,
                '#' => {
                    words.push(word);
                    return Ok(words);
                }
                '\\' => word.push(chars.next().ok_or("No escaped character")?),
                '\'' => loop {
                    match chars.next().ok_or("No closing quotation")? {
                        '\'' => break,
                        c => word.push(c),
                    }
                },
                '"' => loop {
                    match chars.next().ok_or("No closing quotation")? {
                        '"' => break,
                        '\\' => {
                            let next = chars.next().ok_or("No closing quotation")?;
                            // Inside double quotes only `"` and `\` are escaped.
                            if next != '"' && next != '\\' {
                                word.push('\\');
                            }
                            word.push(next);
                        }
                        c => word.push(c),
                    }
                },
                c => word.push(c),
            }
        }
        words.push(word);
    }
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_as_python_shlex() {
        let s = |l: &str| split(l).unwrap();
        assert_eq!(s("h a=1 b='x y'"), ["h", "a=1", "b=x y"]);
        assert_eq!(
            s(r#"h lst="[1, 'a']" dq='"d"'"#),
            ["h", "lst=[1, 'a']", "dq=\"d\""]
        );
        assert_eq!(s("h a=b#c d=e"), ["h", "a=b"]);
        assert_eq!(s("h # comment"), ["h"]);
        assert_eq!(s("h a='#not'"), ["h", "a=#not"]);
        assert_eq!(s(r"h a=x\ y"), ["h", "a=x y"]);
        assert_eq!(s(r#"h a="q\"\n""#), ["h", "a=q\"\\n"]);
        assert_eq!(s("h e=''"), ["h", "e="]);
        assert_eq!(s("''"), [""]);
        assert_eq!(split("h a='x"), Err("No closing quotation"));
        assert_eq!(split("h a=\\"), Err("No escaped character"));
    }
}
