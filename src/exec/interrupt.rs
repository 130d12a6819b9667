//! Stopping a run on request (Ctrl-C, SIGTERM): the first request stops the remote commands of the
//! running steps and lets nothing new start; the run then reports what happened and ends.

use std::sync::Arc;
use tokio::sync::watch;

/// Which signal asked the run to stop; it decides the exit code, as a shell would report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    Interrupt,
    Terminate,
}

impl StopSignal {
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Terminate => "SIGTERM",
        }
    }

    /// 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM.
    pub fn exit_code(self) -> u8 {
        match self {
            StopSignal::Interrupt => 130,
            StopSignal::Terminate => 143,
        }
    }
}

/// A run-wide stop request, shared by every host's worker (cheap to clone).
#[derive(Debug, Clone)]
pub struct Interrupt {
    sender: Arc<watch::Sender<Option<StopSignal>>>,
}

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt {
            sender: Arc::new(watch::Sender::new(None)),
        }
    }
}

impl Interrupt {
    /// Asks the run to stop; only the first request counts.
    pub fn request(&self, signal: StopSignal) {
        self.sender.send_if_modified(|current| {
            let first = current.is_none();
            if first {
                *current = Some(signal);
            }
            first
        });
    }

    pub fn requested(&self) -> Option<StopSignal> {
        *self.sender.borrow()
    }

    /// Completes once a stop has been requested (at once if it already has).
    pub async fn wait(&self) {
        let mut receiver = self.sender.subscribe();
        // The sender lives as long as `self`, so waiting cannot fail while we hold it.
        let _ = receiver.wait_for(Option::is_some).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn the_first_request_wins_and_wakes_waiters() {
        let interrupt = Interrupt::default();
        assert_eq!(interrupt.requested(), None);
        let waiter = tokio::spawn({
            let interrupt = interrupt.clone();
            async move { interrupt.wait().await }
        });
        interrupt.request(StopSignal::Terminate);
        interrupt.request(StopSignal::Interrupt);
        let woke = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert!(matches!(woke, Ok(Ok(()))), "the waiter woke up");
        assert_eq!(interrupt.requested(), Some(StopSignal::Terminate));
        assert_eq!(StopSignal::Terminate.exit_code(), 143);
    }
}
