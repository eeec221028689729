//! The cache gitoxide keeps of objects it decoded from a pack, so the next
//! delta chain that passes through one stops there instead of inflating the
//! chain down to its base again.
//!
//! gitoxide's default keeps the last 64 objects of any size, up to 96 MiB,
//! and finds one by walking all 64 for every link of every chain. A plan's
//! diff reads two kinds of trees: the projects folder (80 KB at 2,000
//! projects, 800 KB at 20,000), once per side, where the later side's chain
//! often passes through the earlier; and each changed project's small
//! folders. Here the last 64 objects of at most [`LARGEST`] are kept and
//! found by a hash, and the last larger one alone: 2-9% less CPU in the plan
//! scenarios (BENCHMARKS.md), and at most 12 MiB in all, where gitoxide's
//! holds up to 96 MiB (a plan's peak memory moved by less than 0.1 MB with
//! the release's allocator; 0.5-0.8 MB less at 20,000 projects with glibc's).
//! A hit hands gitoxide its object in a buffer with room to apply the deltas:
//! grown twice instead, the projects folder's tree left two freed blocks the
//! allocator kept (1.6 MB of peak memory at 20,000 projects, 1 changed).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use gix::objs::Kind;
use gix::odb::pack::cache::DecodeEntry;

/// The largest object kept among the [`SLOTS`].
pub const LARGEST: usize = 64 << 10;
/// The largest object kept alone, beside them.
pub const LARGEST_ALONE: usize = 8 << 20;
/// How many objects are kept, as gitoxide's default.
const SLOTS: usize = 64;

/// Decoded objects by (pack, offset), the last [`SLOTS`] of at most
/// [`LARGEST`] bytes, evicted in clock order (an object used since the hand
/// last passed it stays one more round).
#[derive(Default)]
pub struct DeltaBases {
    slots: Vec<Slot>,
    at: HashMap<(u32, u64), usize, BuildHasherDefault<OffsetHasher>>,
    hand: usize,
    /// The last object larger than [`LARGEST`].
    alone: Option<Slot>,
}

struct Slot {
    key: (u32, u64),
    kind: Kind,
    compressed_size: usize,
    data: Vec<u8>,
    used: bool,
}

impl Slot {
    fn new(key: (u32, u64), kind: Kind) -> Slot {
        Slot {
            key,
            kind,
            compressed_size: 0,
            data: Vec::new(),
            used: false,
        }
    }

    /// Holds another object, in the buffer of the one before: no allocation
    /// once warm.
    fn hold(&mut self, key: (u32, u64), kind: Kind, compressed_size: usize, data: &[u8]) {
        (self.key, self.kind, self.compressed_size, self.used) =
            (key, kind, compressed_size, false);
        self.data.clear();
        self.data.extend_from_slice(data);
    }
}

impl DecodeEntry for DeltaBases {
    fn put(&mut self, pack_id: u32, offset: u64, data: &[u8], kind: Kind, compressed_size: usize) {
        let key = (pack_id, offset);
        if data.len() > LARGEST {
            if data.len() <= LARGEST_ALONE {
                self.alone.get_or_insert_with(|| Slot::new(key, kind)).hold(
                    key,
                    kind,
                    compressed_size,
                    data,
                );
            }
            return;
        }
        let slot = match self.at.get(&key) {
            Some(&slot) => slot,
            None if self.slots.len() < SLOTS => {
                self.slots.push(Slot::new(key, kind));
                self.slots.len() - 1
            }
            None => {
                let slot = self.victim();
                self.at.remove(&self.slots[slot].key);
                slot
            }
        };
        self.at.insert(key, slot);
        self.slots[slot].hold(key, kind, compressed_size, data);
    }

    fn get(&mut self, pack_id: u32, offset: u64, out: &mut Vec<u8>) -> Option<(Kind, usize)> {
        let slot = match self.at.get(&(pack_id, offset)) {
            Some(&slot) => &mut self.slots[slot],
            None => self.alone.as_mut().filter(|a| a.key == (pack_id, offset))?,
        };
        slot.used = true;
        out.clear();
        // gitoxide then grows `out` to the deltas, then to two buffers of the
        // result's size and the deltas again: room for that now spares two
        // reallocations, whose freed blocks the allocator keeps in memory.
        out.reserve(room_to_apply_deltas(slot.data.len()));
        out.extend_from_slice(&slot.data);
        Some((slot.kind, slot.compressed_size))
    }
}

/// What gitoxide's delta resolution grows its buffer to, from a base of
/// `len` bytes: a base and a result buffer of the larger of the two, and the
/// chain's deltas behind them (results a little larger than their base; the
/// deltas of a plan's trees are small).
fn room_to_apply_deltas(len: usize) -> usize {
    2 * (len + len / 16) + 4096
}

impl DeltaBases {
    /// The next slot under the hand not used since the hand last passed it.
    fn victim(&mut self) -> usize {
        loop {
            let slot = self.hand;
            self.hand = (self.hand + 1) % self.slots.len();
            if !std::mem::take(&mut self.slots[slot].used) {
                return slot;
            }
        }
    }
}

/// Pack offsets hash by one multiplication: SipHash's protection against
/// chosen keys buys nothing for offsets, and costs more than the lookup.
#[derive(Default)]
pub struct OffsetHasher(u64);

impl Hasher for OffsetHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn got(cache: &mut DeltaBases, pack: u32, offset: u64) -> Option<(Kind, usize, Vec<u8>)> {
        let mut out = b"stale".to_vec();
        cache
            .get(pack, offset, &mut out)
            .map(|(kind, size)| (kind, size, out))
    }

    #[test]
    fn keeps_small_objects_by_pack_and_offset() {
        let mut cache = DeltaBases::default();
        cache.put(0, 12, b"tree a", Kind::Tree, 9);
        cache.put(1, 12, b"blob b", Kind::Blob, 7);
        assert_eq!(
            got(&mut cache, 0, 12),
            Some((Kind::Tree, 9, b"tree a".to_vec()))
        );
        assert_eq!(
            got(&mut cache, 1, 12),
            Some((Kind::Blob, 7, b"blob b".to_vec()))
        );
        assert_eq!(got(&mut cache, 0, 13), None);
        // Put again at the same place: replaced, not kept twice.
        cache.put(0, 12, b"tree c", Kind::Tree, 3);
        assert_eq!(
            got(&mut cache, 0, 12),
            Some((Kind::Tree, 3, b"tree c".to_vec()))
        );
        assert_eq!(cache.slots.len(), 2);
    }

    #[test]
    fn one_big_object_is_kept_alone_and_a_huge_one_not_at_all() {
        let mut cache = DeltaBases::default();
        cache.put(0, 1, &vec![1; LARGEST], Kind::Tree, 1);
        cache.put(0, 2, &vec![2; LARGEST + 1], Kind::Tree, 2);
        assert_eq!(cache.slots.len(), 1, "the big one is not among the slots");
        assert_eq!(got(&mut cache, 0, 2).map(|g| g.2.len()), Some(LARGEST + 1));
        // The next big one takes its place; the small one stays.
        cache.put(0, 3, &vec![3; LARGEST_ALONE], Kind::Tree, 3);
        assert_eq!(got(&mut cache, 0, 2), None);
        assert_eq!(
            got(&mut cache, 0, 3).map(|g| (g.1, g.2.len())),
            Some((3, LARGEST_ALONE))
        );
        assert!(got(&mut cache, 0, 1).is_some());
        // Too big even alone: not kept, and the one kept stays.
        cache.put(0, 4, &vec![4; LARGEST_ALONE + 1], Kind::Tree, 4);
        assert_eq!(got(&mut cache, 0, 4), None);
        assert!(got(&mut cache, 0, 3).is_some());
    }

    #[test]
    fn holds_at_most_the_slots_and_keeps_what_was_used() {
        let mut cache = DeltaBases::default();
        for offset in 0..SLOTS as u64 {
            cache.put(0, offset, &offset.to_le_bytes(), Kind::Blob, 1);
        }
        // Used since it was put: survives the next eviction; 1 is evicted instead.
        assert!(got(&mut cache, 0, 0).is_some());
        cache.put(0, 1000, b"new", Kind::Blob, 1);
        assert!(got(&mut cache, 0, 0).is_some());
        assert_eq!(got(&mut cache, 0, 1), None);
        assert_eq!(got(&mut cache, 0, 1000).map(|g| g.2), Some(b"new".to_vec()));
        // Many more: never more than SLOTS objects, each found where it is.
        for offset in 2000..2000 + 5 * SLOTS as u64 {
            cache.put(3, offset, &offset.to_le_bytes(), Kind::Blob, 1);
        }
        assert_eq!(cache.slots.len(), SLOTS);
        assert_eq!(cache.at.len(), SLOTS);
        for (key, &slot) in &cache.at {
            assert_eq!(cache.slots[slot].key, *key);
            assert_eq!(cache.slots[slot].data, key.1.to_le_bytes());
        }
        assert!(got(&mut cache, 3, 2000 + 5 * SLOTS as u64 - 1).is_some());
    }

    /// Through gitoxide's own delta resolution, in a packed repository: a big
    /// tree whose chain stops at the kept one is resolved in the room `get`
    /// made, never grown (without the room: grown twice, to 4x the base).
    #[test]
    fn a_chain_that_stops_at_the_kept_object_is_resolved_in_the_room_made() {
        use crate::git::Git;
        use crate::git::tests::{commit_all, git, write_file};
        use gix::prelude::Find;

        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        // 2,500 entries of 33 bytes: a tree of 82 KB, over LARGEST.
        for n in 0..2500 {
            write_file(root, &format!("big/f{n:04}"), "x");
        }
        // Each version changes one more entry's id: a version is closest to
        // the next, so git chains them.
        for version in 0..4 {
            write_file(root, &format!("big/f{version:04}"), "changed");
            commit_all(root, "version");
        }
        git(root, &["repack", "-adfq", "--depth=50", "--window=50"]);
        let pack = std::fs::read_dir(root.join(".git/objects/pack"))
            .expect("pack folder")
            .map(|e| e.expect("entry").path())
            .find(|p| p.extension().is_some_and(|e| e == "idx"))
            .expect("a pack index");
        let listing = git(root, &["verify-pack", "-v", &pack.to_string_lossy()]);
        // `<id> <type> <size> <packed> <offset> [<depth> <base>]`
        let trees: Vec<Vec<&str>> = listing
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() == 7 && f[1] == "tree")
            .collect();
        let size =
            |id: &str| -> usize { git(root, &["cat-file", "-s", id]).parse().expect("a size") };
        // A big tree on a delta base that is itself a delta: gitoxide keeps
        // what it resolves, and only delta results.
        let (id, base) = trees
            .iter()
            .find(|f| trees.iter().any(|b| b[0] == f[6]) && size(f[6]) > LARGEST)
            .map(|f| (f[0], f[6]))
            .unwrap_or_else(|| panic!("no big tree on a delta base in:\n{listing}"));
        let base_size = size(base);

        let opened = Git::discover(root).expect("open");
        // Each object into a new buffer, as gitoxide's diff gets one per side.
        let read = |hex: &str| {
            let mut buf = Vec::new();
            let id = gix::ObjectId::from_hex(hex.as_bytes()).expect("id");
            opened
                .repo
                .objects
                .try_find(&id, &mut buf)
                .expect("read")
                .unwrap_or_else(|| panic!("{hex} is in the pack"));
            buf
        };
        // The base first: resolved, it is what the cache keeps.
        assert_eq!(read(base).len(), base_size);
        let out = read(id);
        assert_eq!(out.len(), size(id));
        assert_eq!(out.capacity(), room_to_apply_deltas(base_size));
    }
}
