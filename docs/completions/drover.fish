# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_drover_global_optspecs
    string join \n h/help V/version
end

function __fish_drover_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_drover_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_drover_using_subcommand
    set -l cmd (__fish_drover_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c drover -n "__fish_drover_needs_command" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_needs_command" -s V -l version -d 'Print version'
complete -c drover -n "__fish_drover_needs_command" -f -a "play" -d 'Run playbooks against an inventory (like ansible-playbook)'
complete -c drover -n "__fish_drover_needs_command" -f -a "run" -d 'Run one command or module on many hosts (like ansible / parallel-ssh)'
complete -c drover -n "__fish_drover_needs_command" -f -a "inventory" -d 'Show the inventory (like ansible-inventory)'
complete -c drover -n "__fish_drover_needs_command" -f -a "vault" -d 'Encrypt and decrypt Ansible Vault files and strings (like ansible-vault)'
complete -c drover -n "__fish_drover_needs_command" -f -a "doc" -d 'Show a module\'s arguments, types, defaults and an example (like ansible-doc)'
complete -c drover -n "__fish_drover_needs_command" -f -a "completions" -d 'Print a shell completion script (e.g. `drover completions bash > /etc/bash_completion.d/drover`)'
complete -c drover -n "__fish_drover_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c drover -n "__fish_drover_using_subcommand play" -s i -l inventory -d 'Inventory file or directory (repeatable); default: $ANSIBLE_INVENTORY, ansible.cfg\'s `inventory`, or /etc/ansible/hosts' -r -F
complete -c drover -n "__fish_drover_using_subcommand play" -s l -l limit -d 'Limit to hosts matching this pattern' -r
complete -c drover -n "__fish_drover_using_subcommand play" -s e -l extra-vars -d 'Extra variables: key=value pairs, YAML/JSON, or @file (repeatable; highest precedence)' -r
complete -c drover -n "__fish_drover_using_subcommand play" -s f -l forks -d 'Hosts worked on at once (default: $ANSIBLE_FORKS, ansible.cfg\'s `forks`, or 50)' -r
complete -c drover -n "__fish_drover_using_subcommand play" -l host-key-checking -d 'How host keys are checked against known_hosts (default: strict, or the inventory\'s ssh options; off when ansible.cfg\'s `host_key_checking` is False)' -r -f -a "strict\t''
accept-new\t''
off\t''"
complete -c drover -n "__fish_drover_using_subcommand play" -s T -l timeout -d 'Seconds to wait for a host\'s SSH connection [default: $ANSIBLE_TIMEOUT, ansible.cfg\'s `timeout`, ConnectTimeout of the ssh options or ~/.ssh/config, else 10]' -r
complete -c drover -n "__fish_drover_using_subcommand play" -l max-connections -d 'SSH connections open at once; hosts beyond it reconnect on demand [default: what the open-file limit allows]' -r
complete -c drover -n "__fish_drover_using_subcommand play" -l max-handshakes -d 'SSH connections being set up (handshake and authentication) at once [default: 16]' -r
complete -c drover -n "__fish_drover_using_subcommand play" -l task-timeout -d 'Seconds a task may run on a host before it fails (0: no limit); a task\'s `timeout:` wins' -r
complete -c drover -n "__fish_drover_using_subcommand play" -l output -d 'Output format (default: `default`, or json when ansible.cfg\'s `stdout_callback` is json)' -r -f -a "default\t''
json\t''"
complete -c drover -n "__fish_drover_using_subcommand play" -l junit -d 'Also write the results as JUnit XML (one testsuite per play, one testcase per task and host)' -r -F
complete -c drover -n "__fish_drover_using_subcommand play" -l report -d 'Also write a self-contained HTML report of the run (grid, results, diffs, timings, recap)' -r -F
complete -c drover -n "__fish_drover_using_subcommand play" -l color -l colour -d 'Colour: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1 forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c drover -n "__fish_drover_using_subcommand play" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand play" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand play" -l become-user -d 'The user to become (default root)' -r
complete -c drover -n "__fish_drover_using_subcommand play" -s c -l connection -d 'Connection type for hosts whose inventory sets no `ansible_connection` (ssh, local)' -r
complete -c drover -n "__fish_drover_using_subcommand play" -s u -l user -d 'Connect as this user where the inventory sets no `ansible_user`' -r
complete -c drover -n "__fish_drover_using_subcommand play" -s t -l tags -d 'Only run tasks with these tags (comma-separated, repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand play" -l skip-tags -d 'Skip tasks with these tags (comma-separated, repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand play" -l start-at-task -d 'Start the playbook at the task with this name (a glob like `install *` works too)' -r
complete -c drover -n "__fish_drover_using_subcommand play" -s C -l check -d 'Don\'t change anything; report what would change'
complete -c drover -n "__fish_drover_using_subcommand play" -s D -l diff -d 'Show the differences in changed files'
complete -c drover -n "__fish_drover_using_subcommand play" -s v -l verbose -d 'More output (-v results, -vv task paths, -vvv gathered facts)'
complete -c drover -n "__fish_drover_using_subcommand play" -l compact -d 'One line per task with its counts; only failures, unreachable hosts and (with --diff) changes get their own lines [default: on a terminal above 20 hosts, unless -v]'
complete -c drover -n "__fish_drover_using_subcommand play" -l no-compact -d 'Every host\'s result on its own line, however many hosts'
complete -c drover -n "__fish_drover_using_subcommand play" -l profile -d 'After the recap, the slowest tasks and hosts (also in --output json, as `profile`)'
complete -c drover -n "__fish_drover_using_subcommand play" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand play" -s b -l become -d 'Run tasks as another user (sudo), unless a task says otherwise'
complete -c drover -n "__fish_drover_using_subcommand play" -s K -l ask-become-pass -d 'Ask for the become (sudo) password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand play" -l syntax-check -d 'Only check the playbook and inventory; run nothing'
complete -c drover -n "__fish_drover_using_subcommand play" -l list-hosts -d 'List the hosts each play would run on'
complete -c drover -n "__fish_drover_using_subcommand play" -l list-tasks -d 'List the tasks of each play'
complete -c drover -n "__fish_drover_using_subcommand play" -l list-tags -d 'List the tags of each play\'s tasks'
complete -c drover -n "__fish_drover_using_subcommand play" -l force-handlers -d 'Run notified handlers even on hosts that failed'
complete -c drover -n "__fish_drover_using_subcommand play" -l step -d 'Ask before each task: (N)o/(y)es/(c)ontinue (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand play" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand run" -s i -l inventory -d 'Inventory file or directory (repeatable); default: $ANSIBLE_INVENTORY, ansible.cfg\'s `inventory`, or /etc/ansible/hosts' -r -F
complete -c drover -n "__fish_drover_using_subcommand run" -s l -l limit -d 'Limit to hosts matching this pattern' -r
complete -c drover -n "__fish_drover_using_subcommand run" -s e -l extra-vars -d 'Extra variables: key=value pairs, YAML/JSON, or @file (repeatable; highest precedence)' -r
complete -c drover -n "__fish_drover_using_subcommand run" -s f -l forks -d 'Hosts worked on at once (default: $ANSIBLE_FORKS, ansible.cfg\'s `forks`, or 50)' -r
complete -c drover -n "__fish_drover_using_subcommand run" -l host-key-checking -d 'How host keys are checked against known_hosts (default: strict, or the inventory\'s ssh options; off when ansible.cfg\'s `host_key_checking` is False)' -r -f -a "strict\t''
accept-new\t''
off\t''"
complete -c drover -n "__fish_drover_using_subcommand run" -s T -l timeout -d 'Seconds to wait for a host\'s SSH connection [default: $ANSIBLE_TIMEOUT, ansible.cfg\'s `timeout`, ConnectTimeout of the ssh options or ~/.ssh/config, else 10]' -r
complete -c drover -n "__fish_drover_using_subcommand run" -l max-connections -d 'SSH connections open at once; hosts beyond it reconnect on demand [default: what the open-file limit allows]' -r
complete -c drover -n "__fish_drover_using_subcommand run" -l max-handshakes -d 'SSH connections being set up (handshake and authentication) at once [default: 16]' -r
complete -c drover -n "__fish_drover_using_subcommand run" -l task-timeout -d 'Seconds a task may run on a host before it fails (0: no limit); a task\'s `timeout:` wins' -r
complete -c drover -n "__fish_drover_using_subcommand run" -l output -d 'Output format (default: `default`, or json when ansible.cfg\'s `stdout_callback` is json)' -r -f -a "default\t''
json\t''"
complete -c drover -n "__fish_drover_using_subcommand run" -l junit -d 'Also write the results as JUnit XML (one testsuite per play, one testcase per task and host)' -r -F
complete -c drover -n "__fish_drover_using_subcommand run" -l report -d 'Also write a self-contained HTML report of the run (grid, results, diffs, timings, recap)' -r -F
complete -c drover -n "__fish_drover_using_subcommand run" -l color -l colour -d 'Colour: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1 forces it), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c drover -n "__fish_drover_using_subcommand run" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand run" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand run" -l become-user -d 'The user to become (default root)' -r
complete -c drover -n "__fish_drover_using_subcommand run" -s c -l connection -d 'Connection type for hosts whose inventory sets no `ansible_connection` (ssh, local)' -r
complete -c drover -n "__fish_drover_using_subcommand run" -s u -l user -d 'Connect as this user where the inventory sets no `ansible_user`' -r
complete -c drover -n "__fish_drover_using_subcommand run" -s m -l module-name -d 'Module to run (default: command)' -r
complete -c drover -n "__fish_drover_using_subcommand run" -s a -l args -d 'Module arguments (`k=v ...`, or the command for command/shell, as Ansible reads them)' -r
complete -c drover -n "__fish_drover_using_subcommand run" -l format -d 'How results are shown (default: lines for command/shell/raw, ansible for other modules)' -r -f -a "lines\t'`host: line` for every output line (as pdsh / parallel-ssh -P)'
ansible\t'Ansible\'s ad-hoc layout: `host | CHANGED | rc=0 >>` then the output'"
complete -c drover -n "__fish_drover_using_subcommand run" -l output-dir -d 'Also write each host\'s output to DIR/HOST.stdout, DIR/HOST.stderr and DIR/HOST.rc' -r -F
complete -c drover -n "__fish_drover_using_subcommand run" -s C -l check -d 'Don\'t change anything; report what would change'
complete -c drover -n "__fish_drover_using_subcommand run" -s D -l diff -d 'Show the differences in changed files'
complete -c drover -n "__fish_drover_using_subcommand run" -s v -l verbose -d 'More output (-v results, -vv task paths, -vvv gathered facts)'
complete -c drover -n "__fish_drover_using_subcommand run" -l compact -d 'One line per task with its counts; only failures, unreachable hosts and (with --diff) changes get their own lines [default: on a terminal above 20 hosts, unless -v]'
complete -c drover -n "__fish_drover_using_subcommand run" -l no-compact -d 'Every host\'s result on its own line, however many hosts'
complete -c drover -n "__fish_drover_using_subcommand run" -l profile -d 'After the recap, the slowest tasks and hosts (also in --output json, as `profile`)'
complete -c drover -n "__fish_drover_using_subcommand run" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand run" -s b -l become -d 'Run tasks as another user (sudo), unless a task says otherwise'
complete -c drover -n "__fish_drover_using_subcommand run" -s K -l ask-become-pass -d 'Ask for the become (sudo) password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand run" -l collate -d 'Group hosts whose output is identical under one compressed host list (`host[01-03,05]`)'
complete -c drover -n "__fish_drover_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c drover -n "__fish_drover_using_subcommand inventory" -s i -l inventory -d 'Inventory file or directory (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand inventory" -l graph -d 'The group tree' -r
complete -c drover -n "__fish_drover_using_subcommand inventory" -l host -d 'One host\'s variables, as JSON' -r
complete -c drover -n "__fish_drover_using_subcommand inventory" -s l -l limit -d 'Limit to hosts matching this pattern' -r
complete -c drover -n "__fish_drover_using_subcommand inventory" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand inventory" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand inventory" -l list -d 'Every group and host with their variables, as JSON'
complete -c drover -n "__fish_drover_using_subcommand inventory" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand inventory" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -l encrypt-vault-id -d 'The vault id to encrypt with, when several passwords are given' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -f -a "create" -d 'Create a new encrypted file in $EDITOR'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -f -a "edit" -d 'Edit an encrypted file in $EDITOR'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -f -a "view" -d 'Print decrypted files'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -f -a "encrypt" -d 'Encrypt files in place (or standard input, `-`)'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -f -a "decrypt" -d 'Decrypt files in place (or standard input, `-`)'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -f -a "rekey" -d 'Re-encrypt files with a new password'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -f -a "encrypt_string" -d 'Encrypt a string for use as an inline `!vault` value in YAML'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -f -a "encrypt-string" -d 'Encrypt a string for use as an inline `!vault` value in YAML'
complete -c drover -n "__fish_drover_using_subcommand vault; and not __fish_seen_subcommand_from create edit view encrypt decrypt rekey encrypt_string encrypt-string help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from create" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from create" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from create" -l encrypt-vault-id -d 'The vault id to encrypt with, when several passwords are given' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from create" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from edit" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from edit" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from edit" -l encrypt-vault-id -d 'The vault id to encrypt with, when several passwords are given' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from edit" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from view" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from view" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from view" -l encrypt-vault-id -d 'The vault id to encrypt with, when several passwords are given' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from view" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from view" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt" -l output -d 'Write here instead (`-` for standard output)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt" -l encrypt-vault-id -d 'The vault id to encrypt with, when several passwords are given' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from decrypt" -l output -d 'Write here instead (`-` for standard output)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from decrypt" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from decrypt" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from decrypt" -l encrypt-vault-id -d 'The vault id to encrypt with, when several passwords are given' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from decrypt" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from decrypt" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from rekey" -l new-vault-password-file -d 'The new password file' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from rekey" -l new-vault-id -d 'The new vault id (`label@source`)' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from rekey" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from rekey" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from rekey" -l encrypt-vault-id -d 'The vault id to encrypt with, when several passwords are given' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from rekey" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from rekey" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt_string" -s n -l name -d 'The variable name of each string, in order' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt_string" -l stdin-name -d 'The variable name for the string read from standard input' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt_string" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt_string" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt_string" -l encrypt-vault-id -d 'The vault id to encrypt with, when several passwords are given' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt_string" -s p -l prompt -d 'Ask for the string on the terminal'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt_string" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt_string" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt-string" -s n -l name -d 'The variable name of each string, in order' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt-string" -l stdin-name -d 'The variable name for the string read from standard input' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt-string" -l vault-password-file -l vault-pass-file -d 'A vault password file, or an executable that prints the password (repeatable)' -r -F
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt-string" -l vault-id -d 'A vault identity: `label@file`, `label@prompt`, or a password file (repeatable)' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt-string" -l encrypt-vault-id -d 'The vault id to encrypt with, when several passwords are given' -r
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt-string" -s p -l prompt -d 'Ask for the string on the terminal'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt-string" -s J -l ask-vault-pass -l ask-vault-password -d 'Ask for the vault password (needs a terminal)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from encrypt-string" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a new encrypted file in $EDITOR'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Edit an encrypted file in $EDITOR'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "view" -d 'Print decrypted files'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "encrypt" -d 'Encrypt files in place (or standard input, `-`)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "decrypt" -d 'Decrypt files in place (or standard input, `-`)'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "rekey" -d 'Re-encrypt files with a new password'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "encrypt_string" -d 'Encrypt a string for use as an inline `!vault` value in YAML'
complete -c drover -n "__fish_drover_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c drover -n "__fish_drover_using_subcommand doc" -s l -l list -d 'List every module with its description'
complete -c drover -n "__fish_drover_using_subcommand doc" -s j -l json -d 'The documentation as JSON'
complete -c drover -n "__fish_drover_using_subcommand doc" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand completions" -s h -l help -d 'Print help'
complete -c drover -n "__fish_drover_using_subcommand help; and not __fish_seen_subcommand_from play run inventory vault doc completions help" -f -a "play" -d 'Run playbooks against an inventory (like ansible-playbook)'
complete -c drover -n "__fish_drover_using_subcommand help; and not __fish_seen_subcommand_from play run inventory vault doc completions help" -f -a "run" -d 'Run one command or module on many hosts (like ansible / parallel-ssh)'
complete -c drover -n "__fish_drover_using_subcommand help; and not __fish_seen_subcommand_from play run inventory vault doc completions help" -f -a "inventory" -d 'Show the inventory (like ansible-inventory)'
complete -c drover -n "__fish_drover_using_subcommand help; and not __fish_seen_subcommand_from play run inventory vault doc completions help" -f -a "vault" -d 'Encrypt and decrypt Ansible Vault files and strings (like ansible-vault)'
complete -c drover -n "__fish_drover_using_subcommand help; and not __fish_seen_subcommand_from play run inventory vault doc completions help" -f -a "doc" -d 'Show a module\'s arguments, types, defaults and an example (like ansible-doc)'
complete -c drover -n "__fish_drover_using_subcommand help; and not __fish_seen_subcommand_from play run inventory vault doc completions help" -f -a "completions" -d 'Print a shell completion script (e.g. `drover completions bash > /etc/bash_completion.d/drover`)'
complete -c drover -n "__fish_drover_using_subcommand help; and not __fish_seen_subcommand_from play run inventory vault doc completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c drover -n "__fish_drover_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "create" -d 'Create a new encrypted file in $EDITOR'
complete -c drover -n "__fish_drover_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "edit" -d 'Edit an encrypted file in $EDITOR'
complete -c drover -n "__fish_drover_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "view" -d 'Print decrypted files'
complete -c drover -n "__fish_drover_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "encrypt" -d 'Encrypt files in place (or standard input, `-`)'
complete -c drover -n "__fish_drover_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "decrypt" -d 'Decrypt files in place (or standard input, `-`)'
complete -c drover -n "__fish_drover_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "rekey" -d 'Re-encrypt files with a new password'
complete -c drover -n "__fish_drover_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "encrypt_string" -d 'Encrypt a string for use as an inline `!vault` value in YAML'
