//! Runs the MKE/MSR/Kubernetes simulator until Ctrl-C, for manual
//! `stigkit collect` runs against a known cluster:
//!
//! ```sh
//! cargo run --example simulator            # scenario "default"
//! cargo run --example simulator -- NAME    # tests/sim/scenarios/NAME
//! cargo run --example simulator -- synthetic:5000          # running containers
//! cargo run --example simulator -- synthetic-stopped:5000  # stopped ones
//! ```

#[path = "../tests/sim/mod.rs"]
mod sim;

use sim::{Scenario, Sim, SimConfig};

fn main() -> std::process::ExitCode {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "default".into());
    let synthetic = arg
        .strip_prefix("synthetic:")
        .map(|n| (n, true))
        .or_else(|| arg.strip_prefix("synthetic-stopped:").map(|n| (n, false)));
    let scenario = match synthetic {
        Some((n, running)) => match n.parse() {
            Ok(containers) => Scenario::Synthetic {
                containers,
                running,
            },
            Err(_) => {
                eprintln!("simulator: synthetic:N needs a number, got {n:?}");
                return std::process::ExitCode::from(2);
            }
        },
        // Scenario::Named wants a &'static str; this process lives until
        // Ctrl-C anyway.
        None if Sim::scenario_dir(&arg).is_dir() => Scenario::Named(arg.leak()),
        None => Scenario::Dir(arg.into()),
    };
    let sim = match Sim::try_start(SimConfig::with_scenario(scenario)) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("simulator: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("MKE         {}", sim.mke_url);
    println!("Kubernetes  {}", sim.kube_url);
    match &sim.msr_url {
        Some(url) => println!("MSR         {url}"),
        None => println!("MSR         (none in this scenario)"),
    }
    println!("CA          {}", sim.ca_pem.display());
    println!("bundle dir  {}", sim.bundle_dir.display());
    println!("bundle zip  {}", sim.bundle_zip.display());
    println!("MKE login   {} / {}", sim.admin_user, sim.admin_password);
    println!("MSR login   {} / {}", sim.msr_user, sim.msr_password);
    println!("Ctrl-C stops the simulator and deletes these files.");

    let waited = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(|rt| rt.block_on(tokio::signal::ctrl_c()));
    if let Err(e) | Ok(Err(e)) = waited {
        eprintln!("simulator: waiting for Ctrl-C: {e}");
    }
    drop(sim);
    std::process::ExitCode::SUCCESS
}
