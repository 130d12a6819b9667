use std::process::ExitCode;

fn main() -> ExitCode {
    // ansible.cfg and ANSIBLE_* give the defaults, so they are read before the command line.
    let config = match drover::config::AnsibleConfig::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("ERROR! {e}");
            return ExitCode::from(drover::app::exit::OPTIONS);
        }
    };
    let cli = match drover::cli::Cli::try_parse_with_config(std::env::args_os(), config) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let code = if e.use_stderr() {
                drover::app::exit::OPTIONS
            } else {
                drover::app::exit::OK
            };
            return ExitCode::from(code);
        }
    };
    // Every connection holds a socket: make room before the first one (the pool sizes to it).
    drover::transport::limits::raise_open_files_limit();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ERROR! cannot start the async runtime: {e}");
            return ExitCode::from(drover::app::exit::ERROR);
        }
    };
    ExitCode::from(runtime.block_on(drover::app::run(cli)))
}
