//! The simulated network: a `Network` model driven by one of two engines
//! (DESIGN.md, "Two engines, one network model"). The event-driven engine
//! is the default; turmoil is the reference. Both hand the same arrivals
//! and timers to the same machines in the same order (`link` documents the
//! rule), so a scenario gives byte-identical reports and captures on both.

use core::cell::RefCell;
use core::time::Duration;
use std::rc::Rc;

use super::capture::{CapturedPacket, InterfaceCapture};
use super::error::NetError;
use super::event::EventLoop;
use super::fault::AppliedFault;
use super::link::Network;
use super::machine::Machine;
use super::spec::{Engine, NetworkSpec};
use super::tick::TurmoilDriver;

enum Driver {
    Event(EventLoop),
    Turmoil(Box<TurmoilDriver>),
}

/// A network of machines. Not `Send`: one per thread.
pub struct Simulation {
    net: Rc<RefCell<Network>>,
    machines: Vec<Option<Rc<RefCell<dyn Machine>>>>,
    /// Set when the first `run` found every host with its machine.
    all: Vec<Rc<RefCell<dyn Machine>>>,
    driver: Driver,
}

impl Simulation {
    pub fn new(spec: NetworkSpec) -> Result<Self, NetError> {
        let net = Rc::new(RefCell::new(Network::new(&spec)?));
        let n = net.borrow().host_count();
        let driver = match spec.engine {
            Engine::Event => Driver::Event(EventLoop::default()),
            Engine::Turmoil => {
                Driver::Turmoil(Box::new(TurmoilDriver::new(Rc::clone(&net), spec.seed)))
            }
        };
        Ok(Simulation {
            net,
            machines: vec![None; n],
            all: Vec::new(),
            driver,
        })
    }

    pub fn engine(&self) -> Engine {
        match self.driver {
            Driver::Event(_) => Engine::Event,
            Driver::Turmoil(_) => Engine::Turmoil,
        }
    }

    /// Puts machine `m` on host `host`. All machines must be added before
    /// the first `run`.
    pub fn add_machine(&mut self, host: &str, m: Rc<RefCell<dyn Machine>>) -> Result<(), NetError> {
        let Some(i) = self.net.borrow().host_index(host) else {
            return Err(NetError::UnknownHost {
                context: "add_machine".into(),
                host: host.into(),
            });
        };
        if !self.all.is_empty() {
            return Err(NetError::MachineRejected {
                host: host.into(),
                detail: "the simulation has already started",
            });
        }
        match self.machines.get_mut(i) {
            Some(slot @ None) => {
                *slot = Some(m);
                Ok(())
            }
            _ => Err(NetError::MachineRejected {
                host: host.into(),
                detail: "host already has a machine",
            }),
        }
    }

    /// Simulated time: the first instant not yet run.
    pub fn now(&self) -> Duration {
        match &self.driver {
            Driver::Event(e) => e.elapsed(),
            Driver::Turmoil(t) => t.elapsed(),
        }
    }

    /// Runs every instant before `until`, or stops after the first instant
    /// (with something to do, on the event engine; any tick, on turmoil)
    /// after which `stop(now)` is true; returns the time reached. `stop`
    /// must change only when a machine does. May be called again to
    /// continue.
    ///
    /// Every host takes a turn when `run` starts, so a machine changed from
    /// outside between two `run` calls (a timeline action) gets its new
    /// transmits and timer honoured.
    pub fn run(
        &mut self,
        until: Duration,
        mut stop: impl FnMut(Duration) -> bool,
    ) -> Result<Duration, NetError> {
        if self.all.is_empty() {
            let net = self.net.borrow();
            for (i, m) in self.machines.iter().enumerate() {
                let Some(m) = m else {
                    return Err(NetError::NoMachine {
                        host: net.host_name(i).to_string(),
                    });
                };
                self.all.push(Rc::clone(m));
            }
        }
        match &mut self.driver {
            Driver::Event(e) => Ok(e.run(&mut self.net.borrow_mut(), &self.all, until, &mut stop)),
            Driver::Turmoil(t) => t.run(&self.all, until, &mut stop),
        }
    }

    /// Every captured packet, ordered by time and, at equal times, in the
    /// canonical order (`link`).
    pub fn captures(&self) -> Vec<CapturedPacket> {
        self.net.borrow().captures()
    }

    /// Every action a fault rule or a middlebox took on a packet, ordered
    /// as `captures`.
    pub fn applied_faults(&self) -> Vec<AppliedFault> {
        self.net.borrow().applied_faults()
    }

    /// The captures as pcapng; timestamps are `epoch_unix_micros` plus the
    /// simulated time.
    pub fn write_pcapng(&self, out: &mut Vec<u8>, epoch_unix_micros: u64) -> Result<(), NetError> {
        self.net.borrow().write_pcapng(out, epoch_unix_micros)
    }

    /// One pcapng per host interface, with only what that interface sent
    /// and received, as a capture on that machine shows it, in host then
    /// interface order. Timestamps as `write_pcapng`.
    pub fn interface_pcapngs(
        &self,
        epoch_unix_micros: u64,
    ) -> Result<Vec<InterfaceCapture>, NetError> {
        self.net.borrow().interface_pcapngs(epoch_unix_micros)
    }
}
