//! Byte-level mutations of corpus inputs, as libFuzzer's: flips, inserts of
//! dictionary tokens, deletions, repeats and splices, with a seeded
//! xorshift generator so a failure replays from its seed.

pub struct Mutator<'d> {
    state: u64,
    dictionary: &'d [&'d str],
}

/// Bytes that change how YAML, JSON and globs parse.
const SPECIAL: &[u8] = b"\n\r\t :-[]{},\"'#&*!|>%@`\\/.0~?";

impl<'d> Mutator<'d> {
    pub fn new(seed: u64, dictionary: &'d [&'d str]) -> Mutator<'d> {
        Mutator {
            state: seed | 1,
            dictionary,
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// One corpus input with 1 to 8 mutations applied.
    pub fn mutate(&mut self, corpus: &[Vec<u8>]) -> Vec<u8> {
        let mut data = corpus[self.below(corpus.len())].clone();
        for _ in 0..=self.below(8) {
            self.once(&mut data, corpus);
        }
        data
    }

    fn once(&mut self, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
        let at = self.below(data.len() + 1);
        match self.below(8) {
            0 if !data.is_empty() => {
                let i = self.below(data.len());
                data[i] ^= 1 << self.below(8);
            }
            1 => {
                let byte = SPECIAL[self.below(SPECIAL.len())];
                data.insert(at, byte);
            }
            2 if !self.dictionary.is_empty() => {
                let token = self.dictionary[self.below(self.dictionary.len())];
                data.splice(at..at, token.bytes());
            }
            3 if !data.is_empty() => {
                let end = (at + 1 + self.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            4 if !data.is_empty() => {
                // Repeat a slice: nesting and long runs.
                let start = self.below(data.len());
                let end = (start + 1 + self.below(8)).min(data.len());
                let piece = data[start..end].to_vec();
                for _ in 0..=self.below(64) {
                    data.splice(start..start, piece.iter().copied());
                }
            }
            5 => {
                // Splice in part of another input.
                let other = &corpus[self.below(corpus.len())];
                let start = self.below(other.len());
                let end = (start + self.below(64)).min(other.len());
                data.splice(at..at, other[start..end].iter().copied());
            }
            6 => data.truncate(at),
            _ => {
                let line = data.iter().rposition(|b| *b == b'\n').unwrap_or(0);
                data.splice(line..line, b"\n  ".iter().copied());
            }
        }
    }
}
