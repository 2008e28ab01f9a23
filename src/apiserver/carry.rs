//! Admission after an edit, carried over in bulk: the objects the edit did not touch stay
//! where they are — in the store, in the journal, in the admissions — and only the edited
//! objects and those whose recorded reads the edit changed are admitted again.
//!
//! [`super::replay`] replays every untouched object in turn (about a microsecond each:
//! 10 ms for a 10,000-object dump on every keystroke). This module does the same work for
//! the objects that need it and none for the others, under conditions that make "what
//! an admission read" small and explicit:
//!
//! - every object of the text is of a journaled kind (Services, EndpointSlices, Nodes,
//!   Namespaces: a dump) and no two share an identity (kind, namespace, name), nor with
//!   a built-in object. Then every admission is a first creation (never `configured`),
//!   and what it decides depends only on its own text, whether its namespace existed at
//!   its place in the text, and the allocators' answers there (values taken by the
//!   objects before it, values requested by any Service): the reads its record keeps;
//! - the edit replaced one run of objects (`start..old_end` before, `start..new_end`
//!   after: what [`crate::manifest::reparse_moved`] gives for one edited place), the
//!   objects before and after it taken over unchanged, in the same order;
//! - the service ranges are the default ones (no ServiceCIDR is written).
//!
//! The allocators remember which admission holds each value (its position in the text,
//! [`super::alloc::Allocators::at`]), so an object can be asked about at its own place
//! after the objects after it took theirs; the carry keeps, for each value, the objects
//! that asked about it (`readers`), and how many objects have each identity.
//!
//! The rules (each is a case of `tests/incremental.rs`):
//! 1. The run's old objects leave: the values they held are given back, their requests
//!    withdrawn, their stored objects retired. Its new objects are admitted afresh, in
//!    order.
//! 2. A value whose holder changed (given back, or taken by an object admitted afresh)
//!    sends every object after that place that asked about it to be checked again; a
//!    value whose "requested" answer changed sends every object that asked about it,
//!    before or after. A namespace the run created or removed sends every object after
//!    the run in that namespace.
//! 3. An object checked again whose reads all answer the same (its namespace found or
//!    not as before) stays — asked at its place, the values it holds itself aside (it
//!    took them after asking, or asked again after taking them: the same answers when
//!    every earlier one is; [`Allocators::answers_again_at`]); otherwise it is admitted
//!    afresh at its place, which may change more values (rule 2). Objects are checked
//!    in text order, so each sees the state at its place.
//! 4. Everything else stays as it is: its stored object, record and admission, moved to
//!    its new id when the run changed the number of objects.
//!
//! Any other edit goes through [`super::replay`]. The result equals a full
//! [`super::admit`] (`tests/incremental.rs`).

use super::alloc::{Allocators, Requests, Taken, Values};
use super::replay::{Journal, Previous, Record, Stored, replayable};
use super::{
    Admission, Admitted, BUILTIN_NAMESPACES, Decision, Edited, Outcome, decide, dropped_fields,
    is_scenario_configuration, warning_diagnostic,
};
use crate::hash::FnvBuild;
use crate::manifest::{Kind, Manifest, RawObject};
use crate::model::{self, Object, Objects, Origin};
use std::collections::{BTreeSet, HashMap};

/// What an analysis keeps for the next edit's carry-over.
#[derive(Clone, Default)]
pub struct Carry {
    /// The allocators' values after the last admission: each value with its holder's
    /// position, each requested value with how many Services request it.
    values: Values,
    /// For each value the allocators were asked about, the objects that asked (ids,
    /// ascending).
    readers: HashMap<Taken, Vec<u32>, FnvBuild>,
    /// How many objects (and built-in objects) have each identity hash.
    identities: HashMap<u64, u32, FnvBuild>,
    /// The lengths of the store's Namespaces, Nodes, Services and EndpointSlices right
    /// after admission (the controllers and kubeadm add to them afterwards).
    admitted: [usize; 4],
}

/// The hash of an identity: (kind, namespace, name).
fn identity_hash(kind: Kind, namespace: &str, name: &str) -> u64 {
    use std::hash::BuildHasher;
    FnvBuild::default().hash_one((kind, namespace, name))
}

/// The hash of a raw object's identity (its namespace `default` when not written;
/// none for cluster-scoped kinds).
pub(super) fn identity_of(raw: &RawObject) -> u64 {
    let namespace = if raw.kind.namespaced() {
        raw.namespace_or_default()
    } else {
        ""
    };
    identity_hash(raw.kind, namespace, &raw.name)
}

/// The identities of the objects every cluster starts with.
fn builtin_identities() -> impl Iterator<Item = u64> {
    BUILTIN_NAMESPACES
        .iter()
        .map(|ns| identity_hash(Kind::Namespace, "", ns))
        .chain([identity_hash(Kind::Service, "default", "kubernetes")])
}

impl Carry {
    /// Whether some object of the text may have this identity (its hash is counted).
    pub(super) fn holds(&self, kind: Kind, namespace: &str, name: &str) -> bool {
        self.identities
            .contains_key(&identity_hash(kind, namespace, name))
    }
}

/// Whether `raw` may be carried over: of a journaled kind, sent to the API server.
fn carriable(raw: &RawObject) -> bool {
    replayable(raw.kind) && !is_scenario_configuration(raw)
}

impl Carry {
    /// What the next edit carries over from an admission of `manifest` that ended with
    /// `alloc` and `store`, when every object of it could be (see the module's
    /// conditions); `None` otherwise.
    pub(super) fn build(
        manifest: &Manifest,
        journal: &Journal,
        alloc: Allocators,
        store: &Objects,
    ) -> Option<Box<Carry>> {
        let objects = &manifest.objects;
        if !objects.iter().all(carriable)
            || journal.records.len() != objects.len()
            || journal.records.iter().any(Option::is_none)
            || !alloc.same_ranges(&Allocators::default())
        {
            return None;
        }
        let mut identities: HashMap<u64, u32, FnvBuild> =
            HashMap::with_capacity_and_hasher(objects.len() + 8, FnvBuild::default());
        let records = journal.records.iter().flatten();
        for identity in builtin_identities().chain(records.map(|r| r.identity)) {
            let count = identities.entry(identity).or_insert(0);
            *count += 1;
            if *count > 1 {
                return None;
            }
        }
        let mut readers: HashMap<Taken, Vec<u32>, FnvBuild> =
            HashMap::with_capacity_and_hasher(objects.len() / 2, FnvBuild::default());
        for (id, record) in journal.records.iter().enumerate() {
            for (read, _) in record.iter().flat_map(|r| &r.allocations.reads) {
                add_reader(&mut readers, read.value(), id);
            }
        }
        Some(Box::new(Carry {
            values: alloc.into_values(),
            readers,
            identities,
            admitted: [
                store.namespaces.len(),
                store.nodes.len(),
                store.services.len(),
                store.endpoint_slices.len(),
            ],
        }))
    }
}

fn add_reader(readers: &mut HashMap<Taken, Vec<u32>, FnvBuild>, value: Taken, id: usize) {
    let id = id as u32;
    let list = readers.entry(value).or_default();
    if let Err(at) = list.binary_search(&id) {
        list.insert(at, id);
    }
}

fn remove_reader(readers: &mut HashMap<Taken, Vec<u32>, FnvBuild>, value: Taken, id: usize) {
    if let Some(list) = readers.get_mut(&value) {
        if let Ok(at) = list.binary_search(&(id as u32)) {
            list.remove(at);
        }
        if list.is_empty() {
            readers.remove(&value);
        }
    }
}

/// The run of objects an edit replaced: `start..old_end` in the text before,
/// `start..new_end` after.
struct Run {
    start: usize,
    old_end: usize,
    new_end: usize,
}

/// The run `previous` can be carried over around, when the edit allows it.
fn plan(manifest: &Manifest, previous: &Previous) -> Option<Run> {
    let carry = previous.journal.carry.as_deref()?;
    let records = &previous.journal.records;
    let (new_n, old_n) = (manifest.objects.len(), records.len());
    let moved = &previous.moved;
    let objects = &previous.objects;
    let [namespaces, nodes, services, slices] = carry.admitted;
    if moved.len() != new_n
        || previous.admissions.len() != old_n
        || previous.journal.requests.len() != old_n
        || objects.namespaces.len() < namespaces
        || objects.nodes.len() < nodes
        || objects.services.len() < services
        || objects.endpoint_slices.len() < slices
    {
        return None;
    }
    let start = (moved.iter().enumerate())
        .take_while(|&(i, m)| *m == Some(i) && i < old_n)
        .count();
    let mut after = 0;
    while after < new_n - start && after < old_n - start {
        if moved[new_n - 1 - after] != Some(old_n - 1 - after) {
            break;
        }
        after += 1;
    }
    let run = Run {
        start,
        old_end: old_n - after,
        new_end: new_n - after,
    };
    let added = &manifest.objects[run.start..run.new_end];
    if !added.iter().all(carriable) {
        return None;
    }
    // Every identity stays unique: those the run adds, against the rest of the text.
    let mut change: HashMap<u64, i64, FnvBuild> = HashMap::default();
    for record in &records[run.start..run.old_end] {
        *change.entry(record.as_ref()?.identity).or_default() -= 1;
    }
    for raw in added {
        *change.entry(identity_of(raw)).or_default() += 1;
    }
    let unique = added.iter().all(|raw| {
        let identity = identity_of(raw);
        let before = carry.identities.get(&identity).copied().unwrap_or(0);
        i64::from(before) + change[&identity] == 1
    });
    unique.then_some(run)
}

/// Admission after an edit, carried over in bulk when the edit allows it (see the
/// module; `previous` is taken); `None` leaves `previous` for [`super::replay`].
pub(super) fn carry_over(manifest: &Manifest, previous: &mut Option<Previous>) -> Option<Admitted> {
    let run = plan(manifest, previous.as_ref()?)?;
    Some(carry(manifest, previous.take()?, run))
}

/// The lists of the store an admission fills, by kind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Namespaces,
    Nodes,
    Services,
    EndpointSlices,
}

const LISTS: [List; 4] = [
    List::Namespaces,
    List::Nodes,
    List::Services,
    List::EndpointSlices,
];

fn list_of(kind: Kind) -> Option<List> {
    match kind {
        Kind::Namespace => Some(List::Namespaces),
        Kind::Node => Some(List::Nodes),
        Kind::Service => Some(List::Services),
        Kind::EndpointSlice => Some(List::EndpointSlices),
        _ => None,
    }
}

/// The store's four lists, operated on by position and written id.
struct Store {
    objects: Objects,
    /// Whether each list changed (its positions are set again in the records and
    /// admissions at the end).
    touched: [bool; 4],
    retired_services: Vec<model::Service>,
    retired_endpoint_slices: Vec<model::EndpointSlice>,
}

/// Where an object sorts in its list: built-in objects first, then by written id.
fn key(origin: &Origin) -> i64 {
    match origin {
        Origin::Written(id) => *id as i64,
        _ => -1,
    }
}

impl Store {
    fn len(&self, list: List) -> usize {
        match list {
            List::Namespaces => self.objects.namespaces.len(),
            List::Nodes => self.objects.nodes.len(),
            List::Services => self.objects.services.len(),
            List::EndpointSlices => self.objects.endpoint_slices.len(),
        }
    }

    fn origin(&mut self, list: List, at: usize) -> &mut Origin {
        match list {
            List::Namespaces => &mut self.objects.namespaces[at].meta.origin,
            List::Nodes => &mut self.objects.nodes[at].meta.origin,
            List::Services => &mut self.objects.services[at].meta.origin,
            List::EndpointSlices => &mut self.objects.endpoint_slices[at].meta.origin,
        }
    }

    /// The first position of `list` whose written id is `id` or more.
    fn position(&mut self, list: List, id: usize) -> usize {
        let (mut lo, mut hi) = (0, self.len(list));
        while lo < hi {
            let mid = (lo + hi) / 2;
            if key(self.origin(list, mid)) < id as i64 {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The position of the object written with id `id`, if stored.
    fn find(&mut self, list: List, id: usize) -> Option<usize> {
        let at = self.position(list, id);
        (at < self.len(list) && key(self.origin(list, at)) == id as i64).then_some(at)
    }

    fn retire(&mut self, object: Object) {
        match object {
            Object::Service(s) => self.retired_services.push(s),
            Object::EndpointSlice(s) => self.retired_endpoint_slices.push(s),
            _ => {}
        }
    }

    fn take(&mut self, list: List, at: usize) -> Object {
        self.touched[list as usize] = true;
        match list {
            List::Namespaces => Object::Namespace(self.objects.namespaces.remove(at)),
            List::Nodes => Object::Node(self.objects.nodes.remove(at)),
            List::Services => Object::Service(self.objects.services.remove(at)),
            List::EndpointSlices => Object::EndpointSlice(self.objects.endpoint_slices.remove(at)),
        }
    }

    /// Replaces the object at `at` (same list), retiring the one there.
    fn replace(&mut self, at: usize, object: Object) {
        let old = match object {
            Object::Namespace(o) => {
                Object::Namespace(std::mem::replace(&mut self.objects.namespaces[at], o))
            }
            Object::Node(o) => Object::Node(std::mem::replace(&mut self.objects.nodes[at], o)),
            Object::Service(o) => {
                Object::Service(std::mem::replace(&mut self.objects.services[at], o))
            }
            Object::EndpointSlice(o) => {
                Object::EndpointSlice(std::mem::replace(&mut self.objects.endpoint_slices[at], o))
            }
            _ => return,
        };
        if let Some(list) = list_of_object(&old) {
            self.touched[list as usize] = true;
        }
        self.retire(old);
    }

    fn insert(&mut self, at: usize, object: Object) {
        match object {
            Object::Namespace(o) => self.objects.namespaces.insert(at, o),
            Object::Node(o) => self.objects.nodes.insert(at, o),
            Object::Service(o) => self.objects.services.insert(at, o),
            Object::EndpointSlice(o) => self.objects.endpoint_slices.insert(at, o),
            _ => {}
        }
    }

    /// Replaces positions `range` of `list` with `objects` (all of that list), retiring
    /// the objects there.
    fn splice(&mut self, list: List, range: std::ops::Range<usize>, objects: Vec<Object>) {
        if range.is_empty() && objects.is_empty() {
            return;
        }
        self.touched[list as usize] = true;
        macro_rules! splice {
            ($list:ident, $variant:ident) => {{
                let fresh = objects.into_iter().filter_map(|o| match o {
                    Object::$variant(o) => Some(o),
                    _ => None,
                });
                let gone: Vec<_> = self.objects.$list.splice(range, fresh).collect();
                gone.into_iter().map(Object::$variant).collect::<Vec<_>>()
            }};
        }
        let gone = match list {
            List::Namespaces => splice!(namespaces, Namespace),
            List::Nodes => splice!(nodes, Node),
            List::Services => splice!(services, Service),
            List::EndpointSlices => splice!(endpoint_slices, EndpointSlice),
        };
        for object in gone {
            self.retire(object);
        }
    }
}

fn list_of_object(object: &Object) -> Option<List> {
    Some(match object {
        Object::Namespace(_) => List::Namespaces,
        Object::Node(_) => List::Nodes,
        Object::Service(_) => List::Services,
        Object::EndpointSlice(_) => List::EndpointSlices,
        _ => return None,
    })
}

fn set_origin(object: &mut Object, origin: Origin) {
    match object {
        Object::Namespace(o) => o.meta.origin = origin,
        Object::Node(o) => o.meta.origin = origin,
        Object::Service(o) => o.meta.origin = origin,
        Object::EndpointSlice(o) => o.meta.origin = origin,
        _ => {}
    }
}

/// The carry-over itself (see the module's rules).
fn carry(manifest: &Manifest, previous: Previous, run: Run) -> Admitted {
    let Previous {
        mut journal,
        objects,
        mut admissions,
        moved,
    } = previous;
    let mut carry = journal.carry.take().expect("planned with a carry");
    let Run {
        start,
        old_end,
        new_end,
    } = run;
    let n = manifest.objects.len();
    // Ids after the run move by `shift`.
    let shift = new_end as i64 - old_end as i64;
    let new_id = |old: usize| {
        if old < start {
            old
        } else {
            (old as i64 + shift) as usize
        }
    };
    // The store as admission left it: what the controllers and kubeadm added goes (it is
    // made again), retired like every object not carried over.
    let [namespaces, nodes, services, slices] = carry.admitted;
    let mut objects = objects;
    let retired_services = objects.services.split_off(services);
    let retired_endpoint_slices = objects.endpoint_slices.split_off(slices);
    objects.namespaces.truncate(namespaces);
    objects.nodes.truncate(nodes);
    // While the sweep runs, the store keeps the ids of the text before (an object after
    // the run is found by its old id); they are moved at the end.
    let mut store = Store {
        objects: Objects {
            namespaces: objects.namespaces,
            nodes: objects.nodes,
            services: objects.services,
            endpoint_slices: objects.endpoint_slices,
            ..Objects::default()
        },
        touched: [false; 4],
        retired_services,
        retired_endpoint_slices,
    };
    let Carry {
        values,
        readers,
        identities,
        admitted,
    } = &mut *carry;
    let cidrs = journal.service_cidrs.clone();
    let mut alloc = Allocators::from_values(cidrs, std::mem::take(values));
    let alloc = &mut alloc;
    // Rule 1: the run's old objects leave.
    let mut released: Vec<Taken> = Vec::new();
    let mut requests_changed: Vec<Taken> = Vec::new();
    let mut namespaces_changed: Vec<String> = Vec::new();
    let old_records: Vec<Record> = journal
        .records
        .splice(
            start..old_end,
            std::iter::repeat_with(|| None).take(new_end - start),
        )
        .flatten()
        .collect();
    for (offset, record) in old_records.iter().enumerate() {
        let id = start + offset;
        for &taken in &record.allocations.taken {
            alloc.release_held(taken, id as u32 + 1);
            released.push(taken);
        }
        for (read, _) in &record.allocations.reads {
            remove_reader(readers, read.value(), id);
        }
        if let Some(count) = identities.get_mut(&record.identity) {
            *count -= 1;
            if *count == 0 {
                identities.remove(&record.identity);
            }
        }
    }
    let old_requests: Vec<Requests> = journal
        .requests
        .splice(
            start..old_end,
            std::iter::repeat_with(|| None).take(new_end - start),
        )
        .flatten()
        .collect();
    for requests in &old_requests {
        alloc.unrequest_noting(requests, &mut |t| requests_changed.push(t));
    }
    // The run's old stored objects, by position in each list (retired at the end).
    let mut old_run = [0..0, 0..0, 0..0, 0..0];
    for list in LISTS {
        let range = store.position(list, start)..store.position(list, old_end);
        if list == List::Namespaces {
            namespaces_changed.extend(
                store.objects.namespaces[range.clone()]
                    .iter()
                    .map(|n| n.meta.name.clone()),
            );
        }
        old_run[list as usize] = range;
    }
    if shift != 0 {
        // (The admissions stay where they were until the end, but name their objects
        // by their new ids from now on, as the sweep's do.)
        for admission in &mut admissions[old_end..] {
            admission.object = new_id(admission.object);
        }
        alloc.shift_holders(old_end as u32 + 1, shift);
        for list in readers.values_mut() {
            for id in list.iter_mut().filter(|id| **id as usize >= old_end) {
                *id = (i64::from(*id) + shift) as u32;
            }
        }
    }
    // The run's new objects: their requests and identities.
    for raw in &manifest.objects[start..new_end] {
        *identities.entry(identity_of(raw)).or_insert(0) += 1;
        if raw.kind == Kind::Service {
            let requests = Requests::of(&raw.node());
            alloc.request_noting(&requests, &mut |t| requests_changed.push(t));
            journal.requests[raw.id] = Some(requests);
        }
        if raw.kind == Kind::Namespace {
            namespaces_changed.push(raw.name.clone());
        }
    }
    // Rule 2: what to check again.
    let mut check: BTreeSet<usize> = (start..new_end).collect();
    for value in &released {
        if let Some(list) = readers.get(value) {
            check.extend(list.iter().map(|&id| id as usize).filter(|&id| id >= start));
        }
    }
    for value in &requests_changed {
        if let Some(list) = readers.get(value) {
            check.extend(list.iter().map(|&id| id as usize));
        }
    }
    if !namespaces_changed.is_empty() {
        for raw in &manifest.objects[new_end..] {
            if raw.kind.namespaced()
                && namespaces_changed
                    .iter()
                    .any(|n| n == raw.namespace_or_default())
            {
                check.insert(raw.id);
            }
        }
    }
    // The written Namespaces' new ids by name (the run's old ones gone), so that an
    // object checked again finds its namespace's without a scan.
    let mut creators: HashMap<String, Vec<usize>, FnvBuild> = HashMap::default();
    for n in &store.objects.namespaces {
        if let Origin::Written(id) = n.meta.origin
            && (id < start || id >= old_end)
        {
            creators
                .entry(n.meta.name.clone())
                .or_default()
                .push(new_id(id));
        }
    }
    let mut readmitted = vec![false; n];
    let mut fresh_run: [Vec<Object>; 4] = Default::default();
    let mut run_admissions: Vec<Admission> = Vec::with_capacity(new_end - start);
    // Rule 3: in text order.
    while let Some(id) = check.pop_first() {
        let raw = &manifest.objects[id];
        let namespace = if raw.kind.namespaced() {
            raw.namespace_or_default()
        } else {
            ""
        };
        let namespace_found = raw.kind.namespaced().then(|| {
            BUILTIN_NAMESPACES.contains(&namespace)
                || creators
                    .get(namespace)
                    .is_some_and(|ids| ids.iter().any(|&at| at < id))
        });
        alloc.at(id);
        let in_run = (start..new_end).contains(&id);
        // The id it had before (the store's objects still have those).
        let old_id = if id < start {
            id
        } else {
            (id as i64 - shift) as usize
        };
        let mut old_at = None;
        if !in_run {
            let Some(record) = journal.records[id].as_ref() else {
                continue;
            };
            if record.namespace_found == namespace_found
                && alloc.answers_again_at(id, &record.allocations.reads)
            {
                continue;
            }
            let record = journal.records[id].take().expect("checked above");
            for &taken in &record.allocations.taken {
                alloc.release_held(taken, id as u32 + 1);
                if let Some(list) = readers.get(&taken) {
                    check.extend(list.iter().map(|&r| r as usize).filter(|&r| r > id));
                }
            }
            for (read, _) in &record.allocations.reads {
                remove_reader(readers, read.value(), id);
            }
            if let Some(list) = list_of(raw.kind) {
                old_at = store.find(list, old_id);
            }
            if raw.kind == Kind::Namespace
                && let Some(ids) = creators.get_mut(raw.name.as_str())
            {
                ids.retain(|&at| at != id);
            }
        }
        // Admitted afresh at its place.
        alloc.record();
        let mut diagnostics = Vec::new();
        let decision = decide(
            raw,
            None,
            None,
            namespace,
            namespace_found,
            alloc,
            &mut diagnostics,
        );
        let mut allocations = alloc.recorded();
        for taken in &allocations.taken {
            if let Some(list) = readers.get(taken) {
                check.extend(list.iter().map(|&r| r as usize).filter(|&r| r > id));
            }
        }
        for (read, _) in &allocations.reads {
            add_reader(readers, read.value(), id);
        }
        allocations.reads.shrink_to_fit();
        allocations.taken.shrink_to_fit();
        readmitted[id] = true;
        let (outcome, warnings, object) = match decision {
            Decision::Rejected(rejection) => (Outcome::Rejected(rejection), Vec::new(), None),
            Decision::Accepted(object, warnings) => (Outcome::Created, warnings, Some(object)),
        };
        let stored = object.as_ref().and_then(|object| {
            Some(match object {
                Object::Service(s) => Stored::Service {
                    at: 0,
                    uid_written: s.meta.uid.is_some(),
                },
                Object::EndpointSlice(_) => Stored::EndpointSlice(0),
                Object::Node(_) => Stored::Node(0),
                Object::Namespace(_) => Stored::Namespace(0),
                _ => return None,
            })
        });
        if let (Some(Object::Namespace(_)), true) = (&object, raw.kind == Kind::Namespace) {
            creators.entry(raw.name.clone()).or_default().push(id);
        }
        journal.records[id] = Some(Record {
            line: raw.span.start.line,
            namespace_found,
            allocations,
            diagnostics,
            outcome: outcome.clone(),
            warnings: warnings.clone(),
            stored,
            identity: identity_of(raw),
        });
        let admission = Admission {
            object: id,
            kind: raw.kind,
            namespace: namespace.to_string(),
            name: raw.name.clone(),
            outcome,
            warnings,
            stored_at: None,
            stored: None,
            dropped: dropped_fields(raw),
        };
        if in_run {
            run_admissions.push(admission);
        } else {
            admissions[old_id] = admission;
        }
        let list = list_of(raw.kind);
        match (object, list) {
            (Some(object), Some(list)) if in_run => fresh_run[list as usize].push(object),
            (Some(mut object), Some(list)) => {
                set_origin(&mut object, Origin::Written(old_id));
                match old_at {
                    Some(at) => store.replace(at, object),
                    None => {
                        let at = store.position(list, old_id);
                        store.touched[list as usize] = true;
                        store.insert(at, object);
                    }
                }
            }
            (None, Some(list)) => {
                if let Some(at) = old_at {
                    let gone = store.take(list, at);
                    store.retire(gone);
                }
            }
            _ => {}
        }
    }
    // The run's old stored objects give way to its new ones, and the ids after it move.
    for list in LISTS {
        let fresh = std::mem::take(&mut fresh_run[list as usize]);
        let range = store.position(list, start)..store.position(list, old_end);
        debug_assert_eq!(range.len(), old_run[list as usize].len());
        if shift != 0 {
            for at in range.end..store.len(list) {
                let origin = store.origin(list, at);
                if let Origin::Written(id) = origin {
                    *id = new_id(*id);
                }
            }
        }
        store.splice(list, range, fresh);
    }
    admissions.splice(start..old_end, run_admissions);
    // Positions in the lists that changed.
    for list in LISTS {
        if !store.touched[list as usize] {
            continue;
        }
        for at in 0..store.len(list) {
            let id = match store.origin(list, at) {
                Origin::Written(id) => *id,
                _ => continue,
            };
            if let Some(Some(record)) = journal.records.get_mut(id) {
                match &mut record.stored {
                    Some(
                        Stored::Service { at: place, .. }
                        | Stored::EndpointSlice(place)
                        | Stored::Node(place)
                        | Stored::Namespace(place),
                    ) => *place = at,
                    None => {}
                }
            }
            if list == List::Services {
                if let Some(admission) = admissions.get_mut(id) {
                    admission.stored_at = Some(at);
                }
            }
        }
    }
    // The diagnostics, in text order: each object's own (moved with its lines), then
    // its warnings.
    let mut diagnostics = Vec::new();
    for (raw, record) in manifest.objects.iter().zip(&mut journal.records) {
        let Some(record) = record else { continue };
        if !record.diagnostics.is_empty() {
            record.move_to(raw);
            diagnostics.extend(record.diagnostics.iter().cloned());
        }
        diagnostics.extend(record.warnings.iter().map(|w| warning_diagnostic(raw, w)));
    }
    let replayed: Vec<bool> = readmitted.iter().map(|r| !r).collect();
    journal.replayed = replayed.iter().filter(|r| **r).count();
    let Store {
        objects,
        retired_services,
        retired_endpoint_slices,
        ..
    } = store;
    *admitted = [
        objects.namespaces.len(),
        objects.nodes.len(),
        objects.services.len(),
        objects.endpoint_slices.len(),
    ];
    alloc.at_the_end();
    *values = std::mem::take(alloc).into_values();
    journal.carry = Some(carry);
    journal.carried = true;
    Admitted {
        objects,
        admissions,
        diagnostics,
        journal,
        edited: Some(Edited {
            replayed,
            retired_services,
            retired_endpoint_slices,
            moved,
        }),
    }
}
