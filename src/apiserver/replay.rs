//! Admission after an edit: what the API server did with each written object is kept in a
//! [`Journal`] — what the admission read (whether its namespace existed, each question it
//! asked the allocators and the answer, [`super::alloc::Recording`]) and what it did (the
//! values it kept, the diagnostics it reported, where it stored the object). After an
//! edit of the text, an object whose document was not parsed again
//! ([`crate::manifest::reparse_moved`]) and whose reads all get the same answers again
//! would be admitted exactly as before, so its admission is replayed: its values are
//! taken again, its diagnostics move with its lines, and the object the previous
//! analysis stored is moved into the new store (no decoding, defaulting, validation or
//! allocation). Everything else — the edited objects, and those whose reads now answer
//! otherwise (a Service whose ClusterIP an edited Service now holds, an object whose
//! namespace the edit removed) — is admitted afresh.
//!
//! This is the API server's side of the incremental analysis
//! ([`crate::scenario::Analysis::edit`]); the result equals a full [`super::admit`]
//! (`tests/incremental.rs` checks random edit sequences byte for byte).
//!
//! Only the kinds that nothing after admission changes are replayed: Services (a
//! replayed Service keeps the UID the controllers derived for it, marked in
//! `derived_uids` and taken off where admission itself reads that Service),
//! EndpointSlices, Nodes and Namespaces — a dump's objects. An object applied twice in the text (`configured`,
//! `unchanged`) is always admitted afresh.

use super::alloc::{Allocators, Recording, Requests};
use super::{Admission, Outcome, Warning};
use crate::diag::Diagnostic;
use crate::manifest::{Kind, RawObject, yaml};
use crate::model::{self, Object, Objects, Origin};

/// What the API server did with each written object of one analysis, by
/// [`RawObject::id`].
#[derive(Clone, Default)]
pub struct Journal {
    /// The service ranges the allocations were made from.
    pub(super) service_cidrs: Vec<crate::model::ip::Cidr>,
    pub(super) records: Vec<Option<Record>>,
    /// How many of the admissions were replayed rather than run.
    pub(super) replayed: usize,
    /// Each Service's requests ([`Requests`], by [`RawObject::id`]): the allocators read
    /// every Service's before any admission, and an analysis keeps no trees to read them
    /// from again.
    pub(super) requests: Vec<Option<Requests>>,
    /// What the next edit's bulk carry-over needs ([`super::carry`]), when every admission
    /// could be carried over (`None`: the next edit replays object by object).
    pub(super) carry: Option<Box<super::carry::Carry>>,
    /// Whether this admission was carried over in bulk from the one before.
    pub(super) carried: bool,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The journal is how an analysis was computed, not what it says: an analysis
        // prints the same whether it was made whole or after an edit.
        f.write_str("Journal")
    }
}

/// One object's admission: what it read and what it did.
#[derive(Clone, Debug)]
pub struct Record {
    /// The line the object started on (its diagnostics move with it).
    pub(super) line: u32,
    /// For a namespaced kind, whether its namespace existed when it was admitted.
    pub(super) namespace_found: Option<bool>,
    pub(super) allocations: Recording,
    /// The diagnostics its admission reported (before the warnings, which the caller
    /// reports from `warnings`).
    pub(super) diagnostics: Vec<Diagnostic>,
    /// `Created`, or the refusal.
    pub(super) outcome: Outcome,
    pub(super) warnings: Vec<Warning>,
    /// Where the object is in the store (`None` when refused).
    pub(super) stored: Option<Stored>,
    /// The hash of the object's identity (kind, namespace, name: [`super::carry`]).
    pub(super) identity: u64,
}

impl Record {
    /// Moves the record's diagnostics with its object to `raw`'s document and lines.
    pub(super) fn move_to(&mut self, raw: &RawObject) {
        let delta = i64::from(raw.span.start.line) - i64::from(self.line);
        self.line = raw.span.start.line;
        for d in &mut self.diagnostics {
            d.document = Some(raw.document);
            d.span = d.span.map(|s| yaml::shift_span(s, delta));
        }
    }
}

/// Where an admitted object is in the store, by kind.
#[derive(Clone, Copy, Debug)]
pub(super) enum Stored {
    /// A Service, and whether its UID was written (else the controllers derived it).
    Service {
        at: usize,
        uid_written: bool,
    },
    EndpointSlice(usize),
    Node(usize),
    Namespace(usize),
}

/// Whether admissions of this kind are journaled for replay.
pub(super) fn replayable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Service | Kind::EndpointSlice | Kind::Node | Kind::Namespace
    )
}

impl Journal {
    pub(super) fn new(alloc: &Allocators, objects: usize) -> Journal {
        Journal {
            service_cidrs: alloc.service_cidrs.clone(),
            records: vec![None; objects],
            replayed: 0,
            requests: Vec::new(),
            carry: None,
            carried: false,
        }
    }

    /// Keeps every Service's requests (see [`Journal::requests`]).
    pub(super) fn keep_requests(&mut self, requests: Vec<Option<Requests>>) {
        self.requests = requests;
    }

    /// Keeps what admitting `raw` (for the first time in the text) read and did, when it
    /// can be replayed: a creation or a refusal of a replayable kind. `store` is the store
    /// right after it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn keep(
        &mut self,
        raw: &RawObject,
        namespace_found: Option<bool>,
        allocations: Recording,
        diagnostics: &[Diagnostic],
        outcome: &Outcome,
        warnings: &[Warning],
        store: &Objects,
    ) {
        if !replayable(raw.kind) {
            return;
        }
        let last = |len: usize| len.checked_sub(1);
        let stored = match outcome {
            Outcome::Rejected(_) => None,
            Outcome::Created => Some(match raw.kind {
                Kind::Service => {
                    let Some(at) = last(store.services.len()) else {
                        return;
                    };
                    Stored::Service {
                        at,
                        uid_written: store.services[at].meta.uid.is_some(),
                    }
                }
                Kind::EndpointSlice => match last(store.endpoint_slices.len()) {
                    Some(at) => Stored::EndpointSlice(at),
                    None => return,
                },
                Kind::Node => match last(store.nodes.len()) {
                    Some(at) => Stored::Node(at),
                    None => return,
                },
                _ => match last(store.namespaces.len()) {
                    Some(at) => Stored::Namespace(at),
                    None => return,
                },
            }),
            Outcome::Configured | Outcome::Unchanged => return,
        };
        if let Some(slot) = self.records.get_mut(raw.id) {
            let mut allocations = allocations;
            // Kept for the analysis' lifetime, one per object of a dump: no spare room.
            allocations.reads.shrink_to_fit();
            allocations.taken.shrink_to_fit();
            *slot = Some(Record {
                line: raw.span.start.line,
                namespace_found,
                allocations,
                diagnostics: diagnostics.to_vec(),
                outcome: outcome.clone(),
                warnings: warnings.to_vec(),
                stored,
                identity: super::carry::identity_of(raw),
            });
        }
    }

    /// Forgets the record of object `id`: a later document applied the same object again,
    /// so the store no longer holds what its admission stored.
    pub(super) fn forget(&mut self, id: usize) {
        if let Some(slot) = self.records.get_mut(id) {
            *slot = None;
        }
    }

    fn put(&mut self, id: usize, record: Record) {
        if let Some(slot) = self.records.get_mut(id) {
            *slot = Some(record);
        }
        self.replayed += 1;
    }

    /// How many admissions were replayed rather than run (the rest ran).
    pub fn replayed(&self) -> usize {
        self.replayed
    }

    /// Whether the admissions were carried over in bulk from the analysis before
    /// ([`super::carry`]) rather than replayed one by one.
    pub fn carried_over(&self) -> bool {
        self.carried
    }

    /// Whether every object of the text is one admission carries over in bulk: a
    /// Service, EndpointSlice, Node or Namespace sent to the API server (a dump; so no
    /// KubeProxyConfiguration, Pod or workload), known without reading the objects.
    pub fn only_carried_kinds(&self) -> bool {
        self.carry.is_some()
    }

    /// Whether the text may hold an object of this identity (its kind, namespace —
    /// empty for cluster-scoped kinds — and name). `false` only when it is known without
    /// reading the objects: [`Journal::only_carried_kinds`], and none has that identity
    /// ([`super::carry`] counts them).
    pub fn may_hold(&self, kind: crate::manifest::Kind, namespace: &str, name: &str) -> bool {
        self.carry
            .as_ref()
            .is_none_or(|carry| carry.holds(kind, namespace, name))
    }
}

/// The previous analysis' admissions: its journal, the objects it stored, its admissions,
/// and for each raw object of the edited text the id it had before, when its document was
/// not parsed again. Carried over in bulk when the edit allows it ([`super::carry`]),
/// else replayed object by object.
pub struct Previous {
    pub(super) journal: Journal,
    pub(super) objects: Objects,
    pub(super) admissions: Vec<Admission>,
    pub(super) moved: Vec<Option<usize>>,
}

impl Previous {
    /// The previous analysis' `journal`, final `objects` and `admissions`; `moved` maps
    /// each raw object of the edited manifest to its id in the previous one.
    pub fn new(
        journal: Journal,
        objects: Objects,
        admissions: Vec<Admission>,
        moved: Vec<Option<usize>>,
    ) -> Previous {
        Previous {
            journal,
            objects,
            admissions,
            moved,
        }
    }

    /// The previous admissions ready to be replayed one by one.
    pub(super) fn into_replay(self) -> Replay {
        fn slots<T>(list: Vec<T>) -> Vec<Option<T>> {
            list.into_iter().map(Some).collect()
        }
        let Previous {
            mut journal,
            objects,
            admissions,
            moved,
        } = self;
        journal.carry = None;
        let mut by_id: Vec<Option<Admission>> = Vec::new();
        by_id.resize_with(journal.records.len(), || None);
        for admission in admissions {
            if let Some(slot) = by_id.get_mut(admission.object) {
                *slot = Some(admission);
            }
        }
        Replay {
            journal,
            moved,
            services: slots(objects.services),
            endpoint_slices: slots(objects.endpoint_slices),
            nodes: slots(objects.nodes),
            namespaces: slots(objects.namespaces),
            admissions: by_id,
        }
    }
}

/// The previous analysis' admissions, for replay object by object: its journal, the
/// objects it stored (moved out of its analysis one by one as they are replayed), its
/// admissions (each replayed one reused, names and all), and for each raw object of the
/// edited text the id it had before, when its document was not parsed again.
pub(super) struct Replay {
    journal: Journal,
    moved: Vec<Option<usize>>,
    services: Vec<Option<model::Service>>,
    endpoint_slices: Vec<Option<model::EndpointSlice>>,
    nodes: Vec<Option<model::Node>>,
    namespaces: Vec<Option<model::Namespace>>,
    /// By the previous [`RawObject::id`].
    admissions: Vec<Option<Admission>>,
}

/// What [`Replay::replay`] did.
pub(super) struct Replayed {
    pub outcome: Outcome,
    pub warnings: Vec<Warning>,
    /// A Service stored with the UID the controllers derived for it before (not written):
    /// they would derive the same again.
    pub derived_uid: bool,
}

impl Replay {
    /// Makes room in `store` for the objects about to be replayed into it.
    pub(super) fn reserve(&self, store: &mut Objects) {
        store.services.reserve(self.services.len());
        store.endpoint_slices.reserve(self.endpoint_slices.len());
        store.nodes.reserve(self.nodes.len());
    }

    /// What was never replayed: the previous analysis' Services and EndpointSlices
    /// that the edit removed or changed (or that its controllers and the cluster made).
    /// And what `moved` said: each object's id before the edit.
    #[allow(clippy::type_complexity)]
    pub(super) fn retired(
        self,
    ) -> (
        Vec<model::Service>,
        Vec<model::EndpointSlice>,
        Vec<Option<usize>>,
    ) {
        (
            self.services.into_iter().flatten().collect(),
            self.endpoint_slices.into_iter().flatten().collect(),
            self.moved,
        )
    }

    /// The requests the Service `raw` made before the edit, when its document was not
    /// parsed again (its text, so its requests, are the same); taken (asked once per
    /// object).
    pub(super) fn take_requests(&mut self, raw: &RawObject) -> Option<Requests> {
        let old = self.moved.get(raw.id).copied().flatten()?;
        self.journal.requests.get_mut(old)?.take()
    }

    /// The previous admission of `raw`, just replayed: the caller gives it the replay's
    /// outcome and place.
    pub(super) fn take_admission(&mut self, raw: &RawObject) -> Option<Admission> {
        let old = self.moved.get(raw.id).copied().flatten()?;
        self.admissions
            .get_mut(old)?
            .take()
            .filter(|a| a.kind == raw.kind && a.name == raw.name)
    }

    /// Whether the previous admissions were made with `alloc`'s ranges.
    pub(super) fn same_ranges(&self, alloc: &Allocators) -> bool {
        self.journal.service_cidrs == alloc.service_cidrs
    }

    /// Replays the previous admission of `raw` (admitted for the first time in the text,
    /// its namespace `namespace_found`) when it would go the same way, and records it in
    /// `journal` again. `None` when it must be admitted afresh.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn replay(
        &mut self,
        raw: &RawObject,
        namespace_found: Option<bool>,
        store: &mut Objects,
        positions: &mut model::Positions,
        alloc: &mut Allocators,
        diagnostics: &mut Vec<Diagnostic>,
        journal: &mut Journal,
    ) -> Option<Replayed> {
        if !replayable(raw.kind) {
            return None;
        }
        let old = self.moved.get(raw.id).copied().flatten()?;
        let mut record = self.journal.records.get_mut(old)?.take()?;
        if record.namespace_found != namespace_found
            || !alloc.answers_again(&record.allocations.reads)
        {
            return None;
        }
        let origin = Origin::Written(raw.id);
        let object = match record.stored {
            None => None,
            Some(Stored::Service { at, .. }) => {
                // An unwritten UID is the one the controllers derive from the Service's
                // identity: kept, they need not derive it again (`Replayed::derived_uid`).
                let mut service = self.services.get_mut(at)?.take()?;
                service.meta.origin = origin;
                Some(Object::Service(service))
            }
            Some(Stored::EndpointSlice(at)) => {
                let mut slice = self.endpoint_slices.get_mut(at)?.take()?;
                slice.meta.origin = origin;
                Some(Object::EndpointSlice(slice))
            }
            Some(Stored::Node(at)) => {
                let mut node = self.nodes.get_mut(at)?.take()?;
                node.meta.origin = origin;
                Some(Object::Node(node))
            }
            Some(Stored::Namespace(at)) => {
                let mut namespace = self.namespaces.get_mut(at)?.take()?;
                namespace.meta.origin = origin;
                Some(Object::Namespace(namespace))
            }
        };
        alloc.take_again(&record.allocations.taken);
        record.move_to(raw);
        diagnostics.extend(record.diagnostics.iter().cloned());
        let outcome = match object {
            None => record.outcome.clone(),
            Some(object) => {
                let mut replaced = Vec::new();
                model::insert_indexed(store, positions, object, raw, &mut replaced);
                if !replaced.is_empty() {
                    // Not a creation after all (it cannot be: the caller checked the
                    // object is new); admitted as stored, and not journaled.
                    return Some(Replayed {
                        outcome: Outcome::Configured,
                        warnings: record.warnings,
                        derived_uid: false,
                    });
                }
                Outcome::Created
            }
        };
        match &mut record.stored {
            Some(Stored::Service { at, .. }) => *at = store.services.len() - 1,
            Some(Stored::EndpointSlice(at)) => *at = store.endpoint_slices.len() - 1,
            Some(Stored::Node(at)) => *at = store.nodes.len() - 1,
            Some(Stored::Namespace(at)) => *at = store.namespaces.len() - 1,
            None => {}
        }
        let warnings = record.warnings.clone();
        let derived_uid = matches!(
            record.stored,
            Some(Stored::Service {
                uid_written: false,
                ..
            })
        ) && outcome == Outcome::Created;
        journal.put(raw.id, record);
        Some(Replayed {
            outcome,
            warnings,
            derived_uid,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Options, analyze};

    fn service(name: &str, ip: &str) -> String {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  type: NodePort\n  clusterIP: {ip}\n  ports:\n  - port: 80\n"
        )
    }

    #[test]
    fn an_edit_replays_the_objects_it_did_not_touch() {
        let text = crate::examples::dump::large_dump(20, 2);
        let objects = analyze(&text, Options::default()).manifest.objects.len();
        let edited = text.replacen("port: 80\n", "port: 81\n", 1);
        let analysis = analyze(&text, Options::default()).edit(&text, &edited);
        // Every object but the edited Service.
        assert_eq!(analysis.admissions_replayed(), objects - 1);
        assert_eq!(
            analyze(&edited, Options::default()).admissions_replayed(),
            0
        );
    }

    #[test]
    fn an_object_whose_reads_answer_otherwise_is_admitted_again() {
        // b asks for the address a holds: refused. When a lets it go, b is admitted anew
        // (its document did not change, but the allocator's answer did).
        let before = format!(
            "{}{}",
            service("a", "10.96.0.50"),
            service("b", "10.96.0.50")
        );
        let after = format!(
            "{}{}",
            service("a", "10.96.0.51"),
            service("b", "10.96.0.50")
        );
        let analysis = analyze(&before, Options::default());
        assert!(analysis.has_errors());
        let edited = analysis.edit(&before, &after);
        assert!(!edited.has_errors(), "{:#?}", edited.diagnostics);
        assert_eq!(edited.admissions_replayed(), 0);
        assert_eq!(
            format!("{edited:?}"),
            format!("{:?}", analyze(&after, Options::default()))
        );
    }
}
