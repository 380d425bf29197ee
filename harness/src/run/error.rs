//! Why a run could not be made.

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The simulation could not be built from the scenario.
    #[error("{0}")]
    Setup(String),
    /// The simulator failed while running.
    #[error("simulation failed: {0}")]
    Simulation(String),
}
