
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'drover' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'drover'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'drover' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('play', 'play', [CompletionResultType]::ParameterValue, 'Run playbooks against an inventory (like ansible-playbook)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run one command or module on many hosts (like ansible / parallel-ssh)')
            [CompletionResult]::new('inventory', 'inventory', [CompletionResultType]::ParameterValue, 'Show the inventory (like ansible-inventory)')
            [CompletionResult]::new('vault', 'vault', [CompletionResultType]::ParameterValue, 'Encrypt and decrypt Ansible Vault files and strings (like ansible-vault)')
            [CompletionResult]::new('doc', 'doc', [CompletionResultType]::ParameterValue, 'Show a module''s arguments, types, defaults and an example (like ansible-doc)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (e.g. `drover completions bash > /etc/bash_completion.d/drover`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'drover;play' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Inventory file or directory (repeatable); default: $ANSIBLE_INVENTORY, ansible.cfg''s `inventory`, or /etc/ansible/hosts')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Inventory file or directory (repeatable); default: $ANSIBLE_INVENTORY, ansible.cfg''s `inventory`, or /etc/ansible/hosts')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Limit to hosts matching this pattern')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Limit to hosts matching this pattern')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Extra variables: key=value pairs, YAML/JSON, or @file (repeatable; highest precedence)')
            [CompletionResult]::new('--extra-vars', '--extra-vars', [CompletionResultType]::ParameterName, 'Extra variables: key=value pairs, YAML/JSON, or @file (repeatable; highest precedence)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Hosts worked on at once (default: $ANSIBLE_FORKS, ansible.cfg''s `forks`, or 50)')
            [CompletionResult]::new('--forks', '--forks', [CompletionResultType]::ParameterName, 'Hosts worked on at once (default: $ANSIBLE_FORKS, ansible.cfg''s `forks`, or 50)')
            [CompletionResult]::new('--host-key-checking', '--host-key-checking', [CompletionResultType]::ParameterName, 'How host keys are checked against known_hosts (default: strict, or the inventory''s ssh options; off when ansible.cfg''s `host_key_checking` is False)')
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'Seconds to wait for a host''s SSH connection [default: $ANSIBLE_TIMEOUT, ansible.cfg''s `timeout`, ConnectTimeout of the ssh options or ~/.ssh/config, else 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a host''s SSH connection [default: $ANSIBLE_TIMEOUT, ansible.cfg''s `timeout`, ConnectTimeout of the ssh options or ~/.ssh/config, else 10]')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'SSH connections open at once; hosts beyond it reconnect on demand [default: what the open-file limit allows]')
            [CompletionResult]::new('--max-handshakes', '--max-handshakes', [CompletionResultType]::ParameterName, 'SSH connections being set up (handshake and authentication) at once [default: 16]')
            [CompletionResult]::new('--task-timeout', '--task-timeout', [CompletionResultType]::ParameterName, 'Seconds a task may run on a host before it fails (0: no limit); a task''s `timeout:` wins')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (default: `default`, or json when ansible.cfg''s `stdout_callback` is json)')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write the results as JUnit XML (one testsuite per play, one testcase per task and host)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a self-contained HTML report of the run (grid, results, diffs, timings, recap)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1 forces it), always, never')
            [CompletionResult]::new('--colour', '--colour', [CompletionResultType]::ParameterName, 'Colour: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1 forces it), always, never')
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--become-user', '--become-user', [CompletionResultType]::ParameterName, 'The user to become (default root)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Connection type for hosts whose inventory sets no `ansible_connection` (ssh, local)')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Connection type for hosts whose inventory sets no `ansible_connection` (ssh, local)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Connect as this user where the inventory sets no `ansible_user`')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Connect as this user where the inventory sets no `ansible_user`')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Only run tasks with these tags (comma-separated, repeatable)')
            [CompletionResult]::new('--tags', '--tags', [CompletionResultType]::ParameterName, 'Only run tasks with these tags (comma-separated, repeatable)')
            [CompletionResult]::new('--skip-tags', '--skip-tags', [CompletionResultType]::ParameterName, 'Skip tasks with these tags (comma-separated, repeatable)')
            [CompletionResult]::new('--start-at-task', '--start-at-task', [CompletionResultType]::ParameterName, 'Start the playbook at the task with this name (a glob like `install *` works too)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Don''t change anything; report what would change')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Don''t change anything; report what would change')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'Show the differences in changed files')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Show the differences in changed files')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output (-v results, -vv task paths, -vvv gathered facts)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output (-v results, -vv task paths, -vvv gathered facts)')
            [CompletionResult]::new('--compact', '--compact', [CompletionResultType]::ParameterName, 'One line per task with its counts; only failures, unreachable hosts and (with --diff) changes get their own lines [default: on a terminal above 20 hosts, unless -v]')
            [CompletionResult]::new('--no-compact', '--no-compact', [CompletionResultType]::ParameterName, 'Every host''s result on its own line, however many hosts')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'After the recap, the slowest tasks and hosts (also in --output json, as `profile`)')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Run tasks as another user (sudo), unless a task says otherwise')
            [CompletionResult]::new('--become', '--become', [CompletionResultType]::ParameterName, 'Run tasks as another user (sudo), unless a task says otherwise')
            [CompletionResult]::new('-K', '-K ', [CompletionResultType]::ParameterName, 'Ask for the become (sudo) password (needs a terminal)')
            [CompletionResult]::new('--ask-become-pass', '--ask-become-pass', [CompletionResultType]::ParameterName, 'Ask for the become (sudo) password (needs a terminal)')
            [CompletionResult]::new('--syntax-check', '--syntax-check', [CompletionResultType]::ParameterName, 'Only check the playbook and inventory; run nothing')
            [CompletionResult]::new('--list-hosts', '--list-hosts', [CompletionResultType]::ParameterName, 'List the hosts each play would run on')
            [CompletionResult]::new('--list-tasks', '--list-tasks', [CompletionResultType]::ParameterName, 'List the tasks of each play')
            [CompletionResult]::new('--list-tags', '--list-tags', [CompletionResultType]::ParameterName, 'List the tags of each play''s tasks')
            [CompletionResult]::new('--force-handlers', '--force-handlers', [CompletionResultType]::ParameterName, 'Run notified handlers even on hosts that failed')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'Ask before each task: (N)o/(y)es/(c)ontinue (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;run' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Inventory file or directory (repeatable); default: $ANSIBLE_INVENTORY, ansible.cfg''s `inventory`, or /etc/ansible/hosts')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Inventory file or directory (repeatable); default: $ANSIBLE_INVENTORY, ansible.cfg''s `inventory`, or /etc/ansible/hosts')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Limit to hosts matching this pattern')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Limit to hosts matching this pattern')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Extra variables: key=value pairs, YAML/JSON, or @file (repeatable; highest precedence)')
            [CompletionResult]::new('--extra-vars', '--extra-vars', [CompletionResultType]::ParameterName, 'Extra variables: key=value pairs, YAML/JSON, or @file (repeatable; highest precedence)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Hosts worked on at once (default: $ANSIBLE_FORKS, ansible.cfg''s `forks`, or 50)')
            [CompletionResult]::new('--forks', '--forks', [CompletionResultType]::ParameterName, 'Hosts worked on at once (default: $ANSIBLE_FORKS, ansible.cfg''s `forks`, or 50)')
            [CompletionResult]::new('--host-key-checking', '--host-key-checking', [CompletionResultType]::ParameterName, 'How host keys are checked against known_hosts (default: strict, or the inventory''s ssh options; off when ansible.cfg''s `host_key_checking` is False)')
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'Seconds to wait for a host''s SSH connection [default: $ANSIBLE_TIMEOUT, ansible.cfg''s `timeout`, ConnectTimeout of the ssh options or ~/.ssh/config, else 10]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a host''s SSH connection [default: $ANSIBLE_TIMEOUT, ansible.cfg''s `timeout`, ConnectTimeout of the ssh options or ~/.ssh/config, else 10]')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'SSH connections open at once; hosts beyond it reconnect on demand [default: what the open-file limit allows]')
            [CompletionResult]::new('--max-handshakes', '--max-handshakes', [CompletionResultType]::ParameterName, 'SSH connections being set up (handshake and authentication) at once [default: 16]')
            [CompletionResult]::new('--task-timeout', '--task-timeout', [CompletionResultType]::ParameterName, 'Seconds a task may run on a host before it fails (0: no limit); a task''s `timeout:` wins')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (default: `default`, or json when ansible.cfg''s `stdout_callback` is json)')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write the results as JUnit XML (one testsuite per play, one testcase per task and host)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a self-contained HTML report of the run (grid, results, diffs, timings, recap)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1 forces it), always, never')
            [CompletionResult]::new('--colour', '--colour', [CompletionResultType]::ParameterName, 'Colour: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1 forces it), always, never')
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--become-user', '--become-user', [CompletionResultType]::ParameterName, 'The user to become (default root)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Connection type for hosts whose inventory sets no `ansible_connection` (ssh, local)')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Connection type for hosts whose inventory sets no `ansible_connection` (ssh, local)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Connect as this user where the inventory sets no `ansible_user`')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Connect as this user where the inventory sets no `ansible_user`')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Module to run (default: command)')
            [CompletionResult]::new('--module-name', '--module-name', [CompletionResultType]::ParameterName, 'Module to run (default: command)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Module arguments (`k=v ...`, or the command for command/shell, as Ansible reads them)')
            [CompletionResult]::new('--args', '--args', [CompletionResultType]::ParameterName, 'Module arguments (`k=v ...`, or the command for command/shell, as Ansible reads them)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are shown (default: lines for command/shell/raw, ansible for other modules)')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Also write each host''s output to DIR/HOST.stdout, DIR/HOST.stderr and DIR/HOST.rc')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Don''t change anything; report what would change')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Don''t change anything; report what would change')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'Show the differences in changed files')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Show the differences in changed files')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output (-v results, -vv task paths, -vvv gathered facts)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output (-v results, -vv task paths, -vvv gathered facts)')
            [CompletionResult]::new('--compact', '--compact', [CompletionResultType]::ParameterName, 'One line per task with its counts; only failures, unreachable hosts and (with --diff) changes get their own lines [default: on a terminal above 20 hosts, unless -v]')
            [CompletionResult]::new('--no-compact', '--no-compact', [CompletionResultType]::ParameterName, 'Every host''s result on its own line, however many hosts')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'After the recap, the slowest tasks and hosts (also in --output json, as `profile`)')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Run tasks as another user (sudo), unless a task says otherwise')
            [CompletionResult]::new('--become', '--become', [CompletionResultType]::ParameterName, 'Run tasks as another user (sudo), unless a task says otherwise')
            [CompletionResult]::new('-K', '-K ', [CompletionResultType]::ParameterName, 'Ask for the become (sudo) password (needs a terminal)')
            [CompletionResult]::new('--ask-become-pass', '--ask-become-pass', [CompletionResultType]::ParameterName, 'Ask for the become (sudo) password (needs a terminal)')
            [CompletionResult]::new('--collate', '--collate', [CompletionResultType]::ParameterName, 'Group hosts whose output is identical under one compressed host list (`host[01-03,05]`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'drover;inventory' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Inventory file or directory (repeatable)')
            [CompletionResult]::new('--inventory', '--inventory', [CompletionResultType]::ParameterName, 'Inventory file or directory (repeatable)')
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'The group tree')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'One host''s variables, as JSON')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Limit to hosts matching this pattern')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Limit to hosts matching this pattern')
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'Every group and host with their variables, as JSON')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;vault' {
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--encrypt-vault-id', '--encrypt-vault-id', [CompletionResultType]::ParameterName, 'The vault id to encrypt with, when several passwords are given')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a new encrypted file in $EDITOR')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an encrypted file in $EDITOR')
            [CompletionResult]::new('view', 'view', [CompletionResultType]::ParameterValue, 'Print decrypted files')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt files in place (or standard input, `-`)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt files in place (or standard input, `-`)')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-encrypt files with a new password')
            [CompletionResult]::new('encrypt_string', 'encrypt_string', [CompletionResultType]::ParameterValue, 'Encrypt a string for use as an inline `!vault` value in YAML')
            [CompletionResult]::new('encrypt-string', 'encrypt-string', [CompletionResultType]::ParameterValue, 'Encrypt a string for use as an inline `!vault` value in YAML')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'drover;vault;create' {
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--encrypt-vault-id', '--encrypt-vault-id', [CompletionResultType]::ParameterName, 'The vault id to encrypt with, when several passwords are given')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;vault;edit' {
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--encrypt-vault-id', '--encrypt-vault-id', [CompletionResultType]::ParameterName, 'The vault id to encrypt with, when several passwords are given')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;vault;view' {
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--encrypt-vault-id', '--encrypt-vault-id', [CompletionResultType]::ParameterName, 'The vault id to encrypt with, when several passwords are given')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;vault;encrypt' {
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write here instead (`-` for standard output)')
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--encrypt-vault-id', '--encrypt-vault-id', [CompletionResultType]::ParameterName, 'The vault id to encrypt with, when several passwords are given')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;vault;decrypt' {
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write here instead (`-` for standard output)')
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--encrypt-vault-id', '--encrypt-vault-id', [CompletionResultType]::ParameterName, 'The vault id to encrypt with, when several passwords are given')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;vault;rekey' {
            [CompletionResult]::new('--new-vault-password-file', '--new-vault-password-file', [CompletionResultType]::ParameterName, 'The new password file')
            [CompletionResult]::new('--new-vault-id', '--new-vault-id', [CompletionResultType]::ParameterName, 'The new vault id (`label@source`)')
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--encrypt-vault-id', '--encrypt-vault-id', [CompletionResultType]::ParameterName, 'The vault id to encrypt with, when several passwords are given')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;vault;encrypt_string' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The variable name of each string, in order')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The variable name of each string, in order')
            [CompletionResult]::new('--stdin-name', '--stdin-name', [CompletionResultType]::ParameterName, 'The variable name for the string read from standard input')
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--encrypt-vault-id', '--encrypt-vault-id', [CompletionResultType]::ParameterName, 'The vault id to encrypt with, when several passwords are given')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Ask for the string on the terminal')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'Ask for the string on the terminal')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;vault;encrypt-string' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The variable name of each string, in order')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The variable name of each string, in order')
            [CompletionResult]::new('--stdin-name', '--stdin-name', [CompletionResultType]::ParameterName, 'The variable name for the string read from standard input')
            [CompletionResult]::new('--vault-password-file', '--vault-password-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-pass-file', '--vault-pass-file', [CompletionResultType]::ParameterName, 'A vault password file, or an executable that prints the password (repeatable)')
            [CompletionResult]::new('--vault-id', '--vault-id', [CompletionResultType]::ParameterName, 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)')
            [CompletionResult]::new('--encrypt-vault-id', '--encrypt-vault-id', [CompletionResultType]::ParameterName, 'The vault id to encrypt with, when several passwords are given')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Ask for the string on the terminal')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'Ask for the string on the terminal')
            [CompletionResult]::new('-J', '-J ', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-pass', '--ask-vault-pass', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('--ask-vault-password', '--ask-vault-password', [CompletionResultType]::ParameterName, 'Ask for the vault password (needs a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;vault;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a new encrypted file in $EDITOR')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an encrypted file in $EDITOR')
            [CompletionResult]::new('view', 'view', [CompletionResultType]::ParameterValue, 'Print decrypted files')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt files in place (or standard input, `-`)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt files in place (or standard input, `-`)')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-encrypt files with a new password')
            [CompletionResult]::new('encrypt_string', 'encrypt_string', [CompletionResultType]::ParameterValue, 'Encrypt a string for use as an inline `!vault` value in YAML')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'drover;vault;help;create' {
            break
        }
        'drover;vault;help;edit' {
            break
        }
        'drover;vault;help;view' {
            break
        }
        'drover;vault;help;encrypt' {
            break
        }
        'drover;vault;help;decrypt' {
            break
        }
        'drover;vault;help;rekey' {
            break
        }
        'drover;vault;help;encrypt_string' {
            break
        }
        'drover;vault;help;help' {
            break
        }
        'drover;doc' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'List every module with its description')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List every module with its description')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'The documentation as JSON')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'The documentation as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'drover;help' {
            [CompletionResult]::new('play', 'play', [CompletionResultType]::ParameterValue, 'Run playbooks against an inventory (like ansible-playbook)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run one command or module on many hosts (like ansible / parallel-ssh)')
            [CompletionResult]::new('inventory', 'inventory', [CompletionResultType]::ParameterValue, 'Show the inventory (like ansible-inventory)')
            [CompletionResult]::new('vault', 'vault', [CompletionResultType]::ParameterValue, 'Encrypt and decrypt Ansible Vault files and strings (like ansible-vault)')
            [CompletionResult]::new('doc', 'doc', [CompletionResultType]::ParameterValue, 'Show a module''s arguments, types, defaults and an example (like ansible-doc)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (e.g. `drover completions bash > /etc/bash_completion.d/drover`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'drover;help;play' {
            break
        }
        'drover;help;run' {
            break
        }
        'drover;help;inventory' {
            break
        }
        'drover;help;vault' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a new encrypted file in $EDITOR')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an encrypted file in $EDITOR')
            [CompletionResult]::new('view', 'view', [CompletionResultType]::ParameterValue, 'Print decrypted files')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt files in place (or standard input, `-`)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt files in place (or standard input, `-`)')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-encrypt files with a new password')
            [CompletionResult]::new('encrypt_string', 'encrypt_string', [CompletionResultType]::ParameterValue, 'Encrypt a string for use as an inline `!vault` value in YAML')
            break
        }
        'drover;help;vault;create' {
            break
        }
        'drover;help;vault;edit' {
            break
        }
        'drover;help;vault;view' {
            break
        }
        'drover;help;vault;encrypt' {
            break
        }
        'drover;help;vault;decrypt' {
            break
        }
        'drover;help;vault;rekey' {
            break
        }
        'drover;help;vault;encrypt_string' {
            break
        }
        'drover;help;doc' {
            break
        }
        'drover;help;completions' {
            break
        }
        'drover;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
