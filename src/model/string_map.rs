//! [`StringMap`]: a `map[string]string` (labels, annotations, selectors, ConfigMap data)
//! kept as one sorted boxed slice.
//!
//! Kubernetes objects carry many small maps (an EndpointSlice has one label; most objects
//! have no annotations). A `BTreeMap<String, String>` allocates a whole node of eleven
//! keys and values (544 bytes) for the first entry, which made the labels of a dump's
//! EndpointSlices alone 0.45× the dump's YAML (issue 19 item 4); this map allocates
//! exactly the entries it holds. It has the part of `BTreeMap`'s interface the crate uses,
//! with the same behaviour (iteration in key order, `insert` replacing the value of an
//! equal key, `Debug` printed as a map), so it stands where a `BTreeMap` stood. Inserting
//! costs a copy of the entries: these maps hold a handful.

use std::borrow::Borrow;
use std::fmt;

/// A sorted map of strings to strings, as compact as its entries.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StringMap {
    /// Sorted by key, keys distinct.
    entries: Box<[(String, String)]>,
}

impl StringMap {
    pub fn new() -> StringMap {
        StringMap {
            entries: Box::new([]),
        }
    }

    /// Where `key` is, or where it would go.
    fn find<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&String>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut String>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                let mut entries = std::mem::take(&mut self.entries).into_vec();
                entries.reserve_exact(1);
                entries.insert(i, (key, value));
                self.entries = entries.into_boxed_slice();
                None
            }
        }
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<String>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let i = self.find(key).ok()?;
        let mut entries = std::mem::take(&mut self.entries).into_vec();
        let (_, value) = entries.remove(i);
        self.entries = entries.into_boxed_slice();
        Some(value)
    }

    /// Keeps the entries `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut String) -> bool) {
        let mut entries = std::mem::take(&mut self.entries).into_vec();
        entries.retain_mut(|(k, v)| keep(k, v));
        self.entries = entries.into_boxed_slice();
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The place of `key`, to fill when empty (`BTreeMap::entry`).
    pub fn entry(&mut self, key: String) -> Entry<'_> {
        Entry { map: self, key }
    }
}

/// A key of a [`StringMap`] and its value if any, as `btree_map::Entry`.
pub struct Entry<'a> {
    map: &'a mut StringMap,
    key: String,
}

impl<'a> Entry<'a> {
    /// The value of the key, set to `value()` first when absent.
    pub fn or_insert_with(self, value: impl FnOnce() -> String) -> &'a mut String {
        let map = self.map;
        let i = match map.find(&self.key) {
            Ok(i) => i,
            Err(i) => {
                let mut entries = std::mem::take(&mut map.entries).into_vec();
                entries.reserve_exact(1);
                entries.insert(i, (self.key, value()));
                map.entries = entries.into_boxed_slice();
                i
            }
        };
        &mut map.entries[i].1
    }

    /// The value of the key, set to `value` first when absent.
    pub fn or_insert(self, value: String) -> &'a mut String {
        self.or_insert_with(|| value)
    }

    /// The value of the key, set to the empty string first when absent.
    pub fn or_default(self) -> &'a mut String {
        self.or_insert_with(String::new)
    }
}

/// The entries of a [`StringMap`] in key order, as `(&key, &value)` like a `BTreeMap`'s.
#[derive(Clone, Debug)]
pub struct Iter<'a>(std::slice::Iter<'a, (String, String)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a String);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a StringMap {
    type Item = (&'a String, &'a String);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for StringMap {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_vec().into_iter()
    }
}

impl FromIterator<(String, String)> for StringMap {
    /// As a `BTreeMap` collects: a later entry's value replaces an earlier one's of the
    /// same key.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> StringMap {
        let mut entries: Vec<(String, String)> = iter.into_iter().collect();
        // A stable sort keeps equal keys in the order given; the last one wins.
        crate::sort::sort_by(&mut entries, |a, b| a.0.cmp(&b.0));
        let mut kept: Vec<(String, String)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match kept.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => kept.push((k, v)),
            }
        }
        StringMap {
            entries: kept.into_boxed_slice(),
        }
    }
}

impl Extend<(String, String)> for StringMap {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, iter: I) {
        let entries = std::mem::take(&mut self.entries).into_vec();
        *self = entries.into_iter().chain(iter).collect();
    }
}

impl crate::sort::Insert<(String, String)> for StringMap {
    fn insert_one(&mut self, (key, value): (String, String)) {
        self.insert(key, value);
    }
}

impl<const N: usize> From<[(String, String); N]> for StringMap {
    fn from(entries: [(String, String); N]) -> StringMap {
        entries.into_iter().collect()
    }
}

impl From<std::collections::BTreeMap<String, String>> for StringMap {
    fn from(map: std::collections::BTreeMap<String, String>) -> StringMap {
        StringMap {
            entries: map.into_iter().collect(),
        }
    }
}

impl<Q> std::ops::Index<&Q> for StringMap
where
    String: Borrow<Q>,
    Q: Ord + ?Sized,
{
    type Output = String;

    fn index(&self, key: &Q) -> &String {
        self.get(key).expect("no entry found for key")
    }
}

impl fmt::Debug for StringMap {
    /// As a `BTreeMap` prints: `{"k": "v"}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The same operations on a `StringMap` and a `BTreeMap` give the same maps.
    #[test]
    fn behaves_as_a_btree_map() {
        let pairs = [("b", "1"), ("a", "2"), ("c", "3"), ("a", "4"), ("", "5")];
        let owned = || pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let mut map: StringMap = owned().collect();
        let mut tree: BTreeMap<String, String> = owned().collect();
        let same = |map: &StringMap, tree: &BTreeMap<String, String>| {
            assert_eq!(
                map.iter().collect::<Vec<_>>(),
                tree.iter().collect::<Vec<_>>()
            );
            assert_eq!(format!("{map:?}"), format!("{tree:?}"));
            assert_eq!(map.len(), tree.len());
        };
        same(&map, &tree);
        assert_eq!(
            map.insert("a".into(), "6".into()),
            tree.insert("a".into(), "6".into())
        );
        assert_eq!(
            map.insert("d".into(), "7".into()),
            tree.insert("d".into(), "7".into())
        );
        same(&map, &tree);
        assert_eq!(map.remove("b"), tree.remove("b"));
        assert_eq!(map.remove("x"), tree.remove("x"));
        assert_eq!(map.get("a"), tree.get("a"));
        assert_eq!(map.contains_key("zz"), tree.contains_key("zz"));
        map.retain(|k, _| k != "c");
        tree.retain(|k, _| k != "c");
        same(&map, &tree);
        map.extend(owned());
        tree.extend(owned());
        same(&map, &tree);
        map.entry("e".into()).or_insert_with(|| "8".into());
        map.entry("e".into()).or_insert("9".into());
        tree.entry("e".into()).or_insert_with(|| "8".into());
        tree.entry("e".into()).or_insert("9".into());
        same(&map, &tree);
        assert_eq!(StringMap::from(tree.clone()), map);
        assert_eq!(
            map.into_iter().collect::<Vec<_>>(),
            tree.into_iter().collect::<Vec<_>>()
        );
    }
}
