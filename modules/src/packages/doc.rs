//! `drover doc` entries of the repository, key, debconf, facts and pip modules (read with
//! `doc::TABLE`; kept here so the package modules' documentation sits beside them).

use crate::doc::Written;

pub static TABLE: &[Written] = &[
    Written {
        module: "apt_repository",
        description: "Adds or removes a one-line apt source (`deb …`) in `/etc/apt/sources.list` or a file of `/etc/apt/sources.list.d/`, named as Ansible names it, then refreshes apt's cache.",
        example: "- apt_repository:\n    repo: deb [signed-by=/etc/apt/keyrings/example.asc] https://repo.example.com/apt stable main\n    filename: example\n    state: present\n",
        args: &[
            (
                "repo",
                "",
                "The source line (`deb URI SUITE COMPONENTS`, options in `[…]`). PPAs (`ppa:`) are refused: they need Launchpad.",
            ),
            (
                "state",
                "present",
                "`present` enables the line where it is (even commented out) or appends it; `absent` removes every enabled copy, and a file left empty.",
            ),
            ("mode", "0644", "Mode of the file the line is appended to."),
            (
                "update_cache",
                "true",
                "Run `apt-get update` after a change.",
            ),
            (
                "update_cache_retries",
                "",
                "Accepted; apt-get update runs once.",
            ),
            (
                "update_cache_retry_max_delay",
                "",
                "Accepted; apt-get update runs once.",
            ),
            (
                "filename",
                "",
                "The file's name without `.list` (in `/etc/apt/sources.list.d/` unless it has a `/`); default: from the line's URI, as Ansible makes it.",
            ),
            (
                "install_python_apt",
                "",
                "Accepted and ignored: drover needs no Python on the target.",
            ),
            (
                "validate_certs",
                "",
                "Accepted and ignored (only PPAs use it).",
            ),
            ("codename", "", "Accepted (only PPAs use it)."),
        ],
    },
    Written {
        module: "deb822_repository",
        description: "Writes (or removes) one apt source in deb822 format, `/etc/apt/sources.list.d/NAME.sources`, exactly as Ansible writes it; `signed_by` names a key file or holds the key inline.",
        example: "- deb822_repository:\n    name: example\n    types: [deb]\n    uris: https://repo.example.com/apt\n    suites: stable\n    components: main\n    signed_by: /etc/apt/keyrings/example.asc\n",
        args: &[
            (
                "name",
                "",
                "The repository's name (`X-Repolib-Name`); its slug names the file.",
            ),
            (
                "allow_downgrade_to_insecure",
                "",
                "`Allow-Downgrade-To-Insecure`.",
            ),
            ("allow_insecure", "", "`Allow-Insecure`."),
            ("allow_weak", "", "`Allow-Weak`."),
            ("architectures", "", "`Architectures` (list)."),
            ("by_hash", "", "`By-Hash`."),
            ("check_date", "", "`Check-Date`."),
            ("check_valid_until", "", "`Check-Valid-Until`."),
            ("components", "", "`Components` (list)."),
            ("date_max_future", "", "`Date-Max-Future` (seconds)."),
            ("enabled", "", "`Enabled`."),
            ("inrelease_path", "", "`Inrelease-Path`."),
            ("languages", "", "`Languages` (list)."),
            ("pdiffs", "", "`Pdiffs`."),
            (
                "signed_by",
                "",
                "`Signed-By`: a key file's path on the target, or the armored key itself (written inline). URLs are refused: fetch the key with `get_url` first.",
            ),
            ("suites", "", "`Suites` (list)."),
            ("targets", "", "`Targets` (list)."),
            ("trusted", "", "`Trusted`."),
            ("types", "[deb]", "`Types`: `deb`, `deb-src`."),
            ("uris", "", "`URIs` (list)."),
            ("mode", "0644", "The file's mode."),
            (
                "state",
                "present",
                "`absent` removes the file (and `/etc/apt/keyrings/NAME.asc|gpg`).",
            ),
            (
                "install_python_debian",
                "",
                "Accepted and ignored: drover needs no Python on the target.",
            ),
        ],
    },
    Written {
        module: "package_facts",
        description: "Every installed package as `ansible_facts.packages`: name → list of `{name, version, arch, source, …}`, as Ansible's module returns it (dpkg, rpm or apk; no Python on the target).",
        example: "- package_facts:\n\n- debug:\n    msg: nginx is installed\n  when: \"'nginx' in ansible_facts.packages\"\n",
        args: &[
            (
                "manager",
                "[auto]",
                "`auto`, `apt`, `rpm`, `apk` (a list; `dnf`/`yum`/`dpkg`… are their aliases): which package databases to read.",
            ),
            (
                "strategy",
                "first",
                "`first`: the first manager that lists packages; `all`: every one, merged.",
            ),
        ],
    },
    Written {
        module: "service_facts",
        description: "Every service as `ansible_facts.services`: name → `{name, state, status, source}` from systemd (`systemctl`) and SysV (`service --status-all`), as Ansible's module returns it.",
        example: "- service_facts:\n\n- debug:\n    var: ansible_facts.services['ssh.service'].state\n",
        args: &[],
    },
    Written {
        module: "debconf",
        description: "Sets one debconf answer (`debconf-set-selections`, the answer on stdin) when `debconf-show` reports another; with only `name`, returns the package's answers as `current`.",
        example: "- debconf:\n    name: tzdata\n    question: tzdata/Areas\n    vtype: select\n    value: Europe\n",
        args: &[
            ("name", "", "The package owning the question."),
            (
                "question",
                "",
                "The question (`tzdata/Areas`); needs `vtype` and `value`.",
            ),
            (
                "vtype",
                "",
                "The question's type; `boolean` compares lower-cased, `multiselect` a list sorted, `password` reads `debconf-get-selections` or debconf's `passwords.dat`.",
            ),
            ("value", "", "The answer (a list for `multiselect`)."),
            (
                "unseen",
                "false",
                "`debconf-set-selections -u`: the question is still asked.",
            ),
        ],
    },
    Written {
        module: "dpkg_selections",
        description: "Sets a package's dpkg selection (`hold` keeps apt from upgrading it) with `dpkg --set-selections`, when it differs.",
        example: "- dpkg_selections:\n    name: openssh-server\n    selection: hold\n",
        args: &[
            ("name", "", "The package."),
            (
                "selection",
                "",
                "`install`, `hold`, `deinstall` or `purge`.",
            ),
        ],
    },
    Written {
        module: "pip",
        description: "Installs, upgrades or removes Python packages with the target's pip (system, `executable`, or a `virtualenv` it creates); a present/absent task decides from `pip list`, so a second run changes nothing.",
        example: "- pip:\n    name: [requests>=2.31, flask]\n    virtualenv: /opt/app/venv\n    virtualenv_command: python3 -m venv\n",
        args: &[
            (
                "state",
                "present",
                "`present`, `absent`, `latest`, `forcereinstall`.",
            ),
            (
                "name",
                "",
                "Requirements (`name`, `name==1.0`, `name>=1,<2`); a list.",
            ),
            (
                "version",
                "",
                "The version of the one package named (`1.0` means `==1.0`).",
            ),
            (
                "requirements",
                "",
                "A requirements file on the target (relative to `chdir`).",
            ),
            (
                "virtualenv",
                "",
                "The virtualenv to install into; created when it has no `bin/activate`.",
            ),
            (
                "virtualenv_site_packages",
                "false",
                "`--system-site-packages` for a new virtualenv.",
            ),
            (
                "virtualenv_command",
                "virtualenv",
                "The command that creates it (`python3 -m venv`).",
            ),
            (
                "virtualenv_python",
                "",
                "`-pPYTHON` for `virtualenv` (not for venv).",
            ),
            (
                "extra_args",
                "",
                "More pip arguments (`--no-index --find-links /srv/wheels`); the change is then read from pip's output.",
            ),
            ("editable", "false", "Adds `-e`."),
            (
                "chdir",
                "/tmp",
                "Where pip runs (and a relative `virtualenv` lives).",
            ),
            ("executable", "", "The pip to run (`pip3.11`, a path)."),
            ("umask", "", "The umask pip runs with (octal)."),
            (
                "break_system_packages",
                "false",
                "`PIP_BREAK_SYSTEM_PACKAGES=1` (a distribution's Python marked externally managed).",
            ),
        ],
    },
    Written {
        module: "apt_key",
        description: "Puts an OpenPGP key apt trusts in a keyring file (no apt-key, no gpg on the target): the key's fingerprint is read from its packets, so an installed key is left alone. Prefer a key file + `deb822_repository` `signed_by`.",
        example: "- apt_key:\n    data: \"{{ lookup('file', 'example.asc') }}\"\n    keyring: /etc/apt/keyrings/example.gpg\n",
        args: &[
            (
                "id",
                "",
                "The key's id or fingerprint (its end): checked against the key; required for `absent`.",
            ),
            ("data", "", "The key, armored or binary."),
            ("file", "", "A key file on the target."),
            (
                "keyring",
                "",
                "The keyring file (`.gpg`: binary, appended to; `.asc`: one armored key); default `/etc/apt/trusted.gpg.d/KEYID.asc|gpg`.",
            ),
            (
                "url",
                "",
                "Refused: nothing is fetched from the network (use `get_url`, then `file`).",
            ),
            ("keyserver", "", "Refused, as `url`."),
            (
                "state",
                "present",
                "`absent` removes the files that hold only this key.",
            ),
            ("validate_certs", "", "Accepted (only `url` uses it)."),
        ],
    },
];
