//! Connections across hosts: one per host stays the rule, but at most [`Limits::max_open`] are
//! open at once (each holds a socket, and the open-file limit is finite), and at most
//! [`Limits::max_handshakes`] are being set up at once (key exchange and authentication cost the
//! controller CPU; a thousand at once make some time out — and real sshds drop connections
//! beyond `MaxStartups`).
//!
//! A host whose connection is needed while the pool is full takes the slot of an idle one: a host
//! not in use by a task ([`PooledLink::hold`]), with no command running. Of those, the one used
//! most recently goes: under the linear strategy every host runs task N, then N+1, in the same
//! order, so the host that just finished task N is the one needed furthest in the future (the
//! least recently used one is needed next, so evicting it would reconnect every host every task).
//! An evicted host reconnects on demand, silently.

use super::{Connection, ConnectionSpec, TransportError};
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// File descriptors kept free for everything that is not a pooled connection (the runtime, stdio,
/// known_hosts and key files read while connecting, agent sockets, local commands' pipes).
const MIN_RESERVED_FDS: u64 = 32;
const MAX_RESERVED_FDS: u64 = 256;

/// SSH handshakes in flight at once, by default. Measured on a 2-core machine running both the
/// controller and 960 fleet sshds (`run all -f 1000 -- true`): unpaced, 438 hosts timed out in
/// authentication; at 4 the run took 28 s, at 16–128 19–37 s (noise of a shared machine, no
/// trend), all hosts reached. Each host is its own sshd, so this bounds the controller's work in
/// flight, not any one server's `MaxStartups`.
pub const DEFAULT_MAX_HANDSHAKES: usize = 16;

/// How long closing a connection may wait for its socket to be gone before the slot is reused.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How many connections may be open and how many may be starting, at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_open: usize,
    pub max_handshakes: usize,
}

impl Limits {
    /// The given settings, else defaults: as many connections as the open-file limit allows
    /// after a reserve (so the run never fails with "Too many open files"), and
    /// [`DEFAULT_MAX_HANDSHAKES`]. A setting above what the limit allows is lowered to it.
    pub fn new(max_open: Option<usize>, max_handshakes: Option<usize>) -> Limits {
        let allowed = open_files_allowed();
        Limits {
            max_open: max_open.map_or(allowed, |m| m.min(allowed)).max(1),
            max_handshakes: max_handshakes.unwrap_or(DEFAULT_MAX_HANDSHAKES).max(1),
        }
    }
}

/// Connections the current soft `RLIMIT_NOFILE` leaves room for.
fn open_files_allowed() -> usize {
    let soft = super::limits::open_files_limit();
    let reserve = (soft / 8).clamp(MIN_RESERVED_FDS, MAX_RESERVED_FDS);
    usize::try_from(soft.saturating_sub(reserve))
        .unwrap_or(usize::MAX)
        .max(1)
}

/// The slots every host's connection is counted in.
pub struct Pool {
    limits: Limits,
    handshakes: Semaphore,
    inner: Mutex<Inner>,
    /// Woken whenever a slot may have become free or a connection idle.
    changed: Notify,
}

struct Inner {
    /// Slots taken: open connections plus connections being set up.
    open: usize,
    /// Orders uses, for choosing the most recently used idle connection.
    clock: u64,
    members: Vec<Weak<Member>>,
    /// Connections opened over the pool's life, for tests and measurements.
    opened: usize,
}

/// One host's connection as the pool sees it.
#[derive(Default)]
struct Member {
    state: Mutex<MemberState>,
}

#[derive(Default)]
struct MemberState {
    conn: Option<Arc<Connection>>,
    /// Whether `conn` takes a slot (local connections do not: no socket).
    slotted: bool,
    /// Tasks using the host now: its connection is not evicted meanwhile.
    holds: usize,
    last_used: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The protected data stays consistent at every unlock, so a panic elsewhere does not matter.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Pool {
    pub fn new(limits: Limits) -> Arc<Pool> {
        Arc::new(Pool {
            limits,
            handshakes: Semaphore::new(limits.max_handshakes),
            inner: Mutex::new(Inner {
                open: 0,
                clock: 0,
                members: Vec::new(),
                opened: 0,
            }),
            changed: Notify::new(),
        })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Connections opened so far (reopened ones count again).
    pub fn opened(&self) -> usize {
        lock(&self.inner).opened
    }

    /// Slots taken now.
    pub fn open(&self) -> usize {
        lock(&self.inner).open
    }

    fn tick(&self) -> u64 {
        let mut inner = lock(&self.inner);
        inner.clock += 1;
        inner.clock
    }

    /// Takes a slot for `me`: a free one, else the slot of an idle connection (closed first),
    /// else waits until one of those exists.
    async fn reserve(&self, me: &Arc<Member>) {
        loop {
            let changed = self.changed.notified();
            let mut changed = std::pin::pin!(changed);
            // Registered before looking, so a change between the look and the wait is not lost.
            changed.as_mut().enable();
            let victim = {
                let mut inner = lock(&self.inner);
                if inner.open < self.limits.max_open {
                    inner.open += 1;
                    inner.opened += 1;
                    return;
                }
                let victim = take_idle(&mut inner, me);
                if victim.is_some() {
                    inner.opened += 1;
                }
                victim
            };
            if let Some(conn) = victim {
                close_fully(conn).await;
                return;
            }
            changed.await;
        }
    }

    /// Gives a slot back.
    fn release(&self) {
        let mut inner = lock(&self.inner);
        inner.open = inner.open.saturating_sub(1);
        drop(inner);
        self.changed.notify_waiters();
    }
}

/// Takes the connection of the most recently used idle member other than `me` (a dead one
/// first), leaving its slot to the caller.
fn take_idle(inner: &mut Inner, me: &Arc<Member>) -> Option<Arc<Connection>> {
    inner.members.retain(|m| m.strong_count() > 0);
    let mut best: Option<(bool, u64, Arc<Member>)> = None;
    for member in inner.members.iter().filter_map(Weak::upgrade) {
        if Arc::ptr_eq(&member, me) {
            continue;
        }
        let state = lock(&member.state);
        let Some(conn) = state.conn.as_ref().filter(|_| state.slotted) else {
            continue;
        };
        // Only the member holds it: no command is running on it.
        if state.holds > 0 || Arc::strong_count(conn) > 1 {
            continue;
        }
        let rank = (conn.is_closed(), state.last_used);
        drop(state);
        if best.as_ref().is_none_or(|(d, u, _)| rank > (*d, *u)) {
            best = Some((rank.0, rank.1, member));
        }
    }
    let (_, _, member) = best?;
    let mut state = lock(&member.state);
    state.slotted = false;
    state.conn.take()
}

/// Closes `conn` and waits (briefly) until its socket is gone, so the slot can be reused
/// without exceeding the open-file budget.
async fn close_fully(conn: Arc<Connection>) {
    match Arc::try_unwrap(conn) {
        Ok(conn) => {
            let _ = tokio::time::timeout(CLOSE_GRACE, conn.close()).await;
        }
        // Someone picked it up after all: it closes when they drop it.
        Err(shared) => drop(shared),
    }
}

/// A host's place in the pool: its connection, opened on demand, reopened after eviction.
pub struct PooledLink {
    pool: Arc<Pool>,
    member: Arc<Member>,
    /// Serialises opening, so concurrent commands on one host open one connection.
    opening: tokio::sync::Mutex<()>,
    notes: Mutex<Vec<String>>,
    opens: AtomicUsize,
}

impl PooledLink {
    pub fn new(pool: &Arc<Pool>) -> PooledLink {
        let member = Arc::new(Member::default());
        lock(&pool.inner).members.push(Arc::downgrade(&member));
        PooledLink {
            pool: pool.clone(),
            member,
            opening: tokio::sync::Mutex::new(()),
            notes: Mutex::new(Vec::new()),
            opens: AtomicUsize::new(0),
        }
    }

    /// The host's open connection, connecting first if there is none (taking a slot, then a
    /// handshake permit: `spec.connect_timeout` counts from the permit, not the wait for it).
    pub async fn connection(&self, spec: &ConnectionSpec) -> Result<InUse, TransportError> {
        if let Some(conn) = self.current() {
            return Ok(conn);
        }
        let _opening = self.opening.lock().await;
        if let Some(conn) = self.current() {
            return Ok(conn);
        }
        self.drop_dead().await;
        let slotted = !spec.local;
        if slotted {
            self.pool.reserve(&self.member).await;
        }
        let connected = {
            let _permit = self.pool.handshakes.acquire().await;
            Connection::connect(spec).await
        };
        let conn = match connected {
            Ok(conn) => Arc::new(conn),
            Err(e) => {
                if slotted {
                    self.pool.release();
                }
                return Err(e);
            }
        };
        self.opens.fetch_add(1, Ordering::Relaxed);
        lock(&self.notes).extend(conn.notes().iter().cloned());
        let tick = self.pool.tick();
        let mut state = lock(&self.member.state);
        state.conn = Some(conn.clone());
        state.slotted = slotted;
        state.last_used = tick;
        Ok(InUse {
            conn,
            _idle: NotifyOnDrop(self.pool.clone()),
        })
    }

    /// The open connection, if there is one still alive.
    fn current(&self) -> Option<InUse> {
        let tick = self.pool.tick();
        let mut state = lock(&self.member.state);
        let conn = state.conn.as_ref().filter(|c| !c.is_closed())?.clone();
        state.last_used = tick;
        Some(InUse {
            conn,
            _idle: NotifyOnDrop(self.pool.clone()),
        })
    }

    /// Frees the slot of a connection that died, before a new one is opened.
    async fn drop_dead(&self) {
        let dead = {
            let mut state = lock(&self.member.state);
            let slotted = std::mem::take(&mut state.slotted);
            state.conn.take().map(|c| (c, slotted))
        };
        if let Some((conn, slotted)) = dead {
            close_fully(conn).await;
            if slotted {
                self.pool.release();
            }
        }
    }

    /// Marks the host in use by a task until the guard is dropped: its connection stays open.
    pub fn hold(&self) -> Hold {
        lock(&self.member.state).holds += 1;
        Hold {
            member: self.member.clone(),
            pool: self.pool.clone(),
        }
    }

    /// Closes the connection now and frees its slot (the host is done, or done for a while).
    /// A later command reconnects.
    pub async fn close(&self) {
        let _opening = self.opening.lock().await;
        self.drop_dead().await;
    }

    /// Notes from connecting (a host key recorded) not yet shown.
    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.notes))
    }

    /// How many times this host was connected (more than once after eviction).
    pub fn opens(&self) -> usize {
        self.opens.load(Ordering::Relaxed)
    }

    pub fn is_open(&self) -> bool {
        lock(&self.member.state).conn.is_some()
    }
}

/// A connection in use by a command; when dropped, the pool learns it may be idle.
pub struct InUse {
    conn: Arc<Connection>,
    /// Declared after `conn`, so it is dropped after it: waiters woken then see the
    /// connection idle.
    _idle: NotifyOnDrop,
}

struct NotifyOnDrop(Arc<Pool>);

impl Drop for NotifyOnDrop {
    fn drop(&mut self) {
        self.0.changed.notify_waiters();
    }
}

impl Deref for InUse {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

/// See [`PooledLink::hold`].
pub struct Hold {
    member: Arc<Member>,
    pool: Arc<Pool>,
}

impl Drop for Hold {
    fn drop(&mut self) {
        let tick = self.pool.tick();
        let mut state = lock(&self.member.state);
        state.holds = state.holds.saturating_sub(1);
        state.last_used = tick;
        drop(state);
        self.pool.changed.notify_waiters();
    }
}
