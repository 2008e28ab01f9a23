//! Stable sorting through one shared sort routine, to keep the page's wasm small.
//!
//! `slice::sort_by` is generic over both the element type and the comparison closure, so
//! every call site compiles its own copy of the standard library's driftsort (about 3.5 KB of
//! wasm each; the page had 37 of them, 155 KB before wasm-opt). These helpers sort a vector
//! of indices with one non-generic routine that calls the comparison through `&mut dyn
//! FnMut`, then move the elements into place: the results are exactly those of the
//! standard library's stable sort (equal elements keep their order), and each call site only
//! adds a few dozen bytes of glue. [`CollectBTree`] does the same for `collect`ing into a
//! `BTreeMap` or `BTreeSet`, which sorts too. The extra cost is one index vector and an indirect call
//! per comparison, which is small next to what the callers do with the sorted values.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `v` stably with `compare`, like [`slice::sort_by`].
pub fn sort_by<T>(v: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    sort_indices(&mut order, &mut |a, b| compare(&v[a], &v[b]));
    permute(v, &mut order);
}

/// Sorts `v` stably by the key `key` returns, like [`slice::sort_by_key`].
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` stably by a key computed once per element, like [`slice::sort_by_cached_key`].
pub fn sort_by_cached_key<T, K: Ord>(v: &mut [T], key: impl FnMut(&T) -> K) {
    if v.len() < 2 {
        return;
    }
    let keys: Vec<K> = v.iter().map(key).collect();
    let mut order: Vec<usize> = (0..v.len()).collect();
    sort_indices(&mut order, &mut |a, b| keys[a].cmp(&keys[b]));
    permute(v, &mut order);
}

/// Sorts `v` stably in its natural order, like [`slice::sort`].
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// The one copy of the standard library's stable sort in the page: it sorts positions.
#[inline(never)]
fn sort_indices(order: &mut [usize], compare: &mut dyn FnMut(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| compare(a, b));
}

/// Rearranges `v` so that its element `k` is the one that was at `order[k]`, following each
/// cycle of the permutation with swaps (linear time, no copies of the elements). `order` is
/// used up: visited positions are marked with `usize::MAX`.
fn permute<T>(v: &mut [T], order: &mut [usize]) {
    for start in 0..order.len() {
        let mut current = start;
        loop {
            let source = order[current];
            if source == usize::MAX {
                break;
            }
            order[current] = usize::MAX;
            if source == start {
                // The element that belongs here is the cycle's first one, which the swaps
                // carried along to this position.
                break;
            }
            v.swap(current, source);
            current = source;
        }
    }
}

/// Collects into a `BTreeMap` or `BTreeSet` by inserting one item at a time.
///
/// `BTreeMap::from_iter` (what `collect` calls) first sorts the items with the standard
/// library's stable sort, compiling one more copy of it for every key and value type. The
/// result of inserting in turn is the same (a later value replaces an earlier one with an
/// equal key, as `collect` does), without a sort.
pub trait CollectBTree: Iterator + Sized {
    /// Like `collect`, for the ordered collections.
    fn collect_btree<C: Insert<Self::Item>>(self) -> C {
        let mut out = C::default();
        for item in self {
            out.insert_one(item);
        }
        out
    }
}

impl<I: Iterator> CollectBTree for I {}

/// An ordered collection that [`CollectBTree::collect_btree`] can fill.
pub trait Insert<T>: Default {
    /// Adds one item, replacing the value of an equal key.
    fn insert_one(&mut self, item: T);
}

impl<K: Ord, V> Insert<(K, V)> for BTreeMap<K, V> {
    fn insert_one(&mut self, (key, value): (K, V)) {
        self.insert(key, value);
    }
}

impl<T: Ord> Insert<T> for BTreeSet<T> {
    fn insert_one(&mut self, item: T) {
        self.insert(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny deterministic generator, so the test needs no random source.
    fn values(seed: u64, n: usize) -> Vec<(u8, usize)> {
        let mut state = seed;
        (0..n)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 59) as u8, i)
            })
            .collect()
    }

    #[test]
    fn matches_the_standard_stable_sort() {
        for n in [0, 1, 2, 3, 7, 20, 33, 100, 1000] {
            for seed in 0..5 {
                let mut ours = values(seed, n);
                let mut theirs = ours.clone();
                // Compare on the first field only, so stability decides the order of ties.
                sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
                theirs.sort_by_key(|a| a.0);
                assert_eq!(ours, theirs, "n={n} seed={seed}");
                let mut by_key = values(seed, n);
                sort_by_key(&mut by_key, |e| std::cmp::Reverse(e.0));
                let mut reference = values(seed, n);
                reference.sort_by_key(|e| std::cmp::Reverse(e.0));
                assert_eq!(by_key, reference);
                let mut cached = values(seed, n);
                sort_by_cached_key(&mut cached, |e| e.0 / 3);
                let mut reference = values(seed, n);
                reference.sort_by_cached_key(|e| e.0 / 3);
                assert_eq!(cached, reference);
            }
        }
        let map: BTreeMap<u8, usize> = values(7, 50).into_iter().collect_btree();
        let reference: BTreeMap<u8, usize> = values(7, 50).into_iter().collect();
        assert_eq!(map, reference);
        let mut words = vec!["b", "a", "c", "a"];
        sort(&mut words);
        assert_eq!(words, ["a", "a", "b", "c"]);
    }
}
