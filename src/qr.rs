//! QR codes for the presenter mode: the full link to a lesson step, shown to the room.
//!
//! A QR Code Model 2 encoder written from ISO/IEC 18004:2015 ("Information technology —
//! Automatic identification and data capture techniques — QR Code bar code symbology
//! specification"). Only what a link needs is here: the 8-bit byte mode (§7.4.5), every
//! version from 1 to 40 (§5.3.1), the four error correction levels (§5.3.2), the
//! Reed–Solomon error correction codewords (§7.5), block interleaving (§7.6), placement in
//! the matrix (§7.7), the eight data masks chosen by the penalty rules (§7.8), and the format
//! and version information (§7.9, §7.10). No numeric, alphanumeric, Kanji or ECI mode, no
//! structured append, no Micro QR.
//!
//! The encoder is pure and deterministic (the same bytes always give the same symbol), and
//! a symbol renders as SVG ([`QrCode::svg`]) with its quiet zone of four modules (§6.3.8).

use std::fmt::Write as _;

/// The error correction level (ISO/IEC 18004 §5.3.2, Table 12 of format information).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcLevel {
    /// Recovers about 7 % of the codewords.
    L,
    /// Recovers about 15 % of the codewords.
    M,
    /// Recovers about 25 % of the codewords.
    Q,
    /// Recovers about 30 % of the codewords.
    H,
}

impl EcLevel {
    /// The two bits of the format information that name the level (§7.9.1, Table C.1):
    /// L = 01, M = 00, Q = 11, H = 10.
    fn format_bits(self) -> u32 {
        match self {
            EcLevel::L => 0b01,
            EcLevel::M => 0b00,
            EcLevel::Q => 0b11,
            EcLevel::H => 0b10,
        }
    }

    /// The row of Table 9 (error correction characteristics) for this level.
    fn index(self) -> usize {
        match self {
            EcLevel::L => 0,
            EcLevel::M => 1,
            EcLevel::Q => 2,
            EcLevel::H => 3,
        }
    }
}

/// Table 9 of §7.5.1: error correction codewords per block, by level (L, M, Q, H) and
/// version (1–40). Every block of a symbol has the same number of them.
const EC_CODEWORDS_PER_BLOCK: [[u8; 40]; 4] = [
    [
        7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30,
        30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28,
        28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ],
    [
        13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30,
        30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
];

/// Table 9 of §7.5.1: the number of error correction blocks, by level and version. When the
/// data codewords do not divide evenly, the later blocks hold one more (§7.6).
const EC_BLOCKS: [[u8; 40]; 4] = [
    [
        1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13,
        14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
    ],
    [
        1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23,
        25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ],
    [
        1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29,
        34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
    ],
    [
        1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35,
        37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
    ],
];

/// Why bytes could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QrError {
    /// More bytes than version 40 holds at the level (§7.4.10, Table 7: 2,953 bytes at L,
    /// 2,331 at M, 1,663 at Q, 1,273 at H).
    TooLong { bytes: usize, max: usize },
}

impl std::fmt::Display for QrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QrError::TooLong { bytes, max } => write!(
                f,
                "{bytes} bytes do not fit in a QR code (at most {max} at this level)"
            ),
        }
    }
}

/// A QR code symbol: a square of dark and light modules, without its quiet zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrCode {
    version: u8,
    level: EcLevel,
    mask: u8,
    size: usize,
    /// Row-major, `true` for dark.
    modules: Vec<bool>,
}

impl QrCode {
    /// Encodes `data` in byte mode at the smallest version that holds it at `level`.
    pub fn encode(data: &[u8], level: EcLevel) -> Result<QrCode, QrError> {
        let version = (1..=40u8)
            .find(|&v| data.len() <= byte_capacity(v, level))
            .ok_or(QrError::TooLong {
                bytes: data.len(),
                max: byte_capacity(40, level),
            })?;
        Ok(Self::encode_at(data, version, level, None))
    }

    /// Encodes `data` at the first level of `levels` where it fits (e.g. M, then L for a long
    /// link: a larger symbol with less redundancy is still better than none).
    pub fn encode_best(data: &[u8], levels: &[EcLevel]) -> Result<QrCode, QrError> {
        let mut last = None;
        for &level in levels {
            match Self::encode(data, level) {
                Ok(code) => return Ok(code),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(QrError::TooLong {
            bytes: data.len(),
            max: 0,
        }))
    }

    /// Encodes `data` like [`QrCode::encode`] but with the data mask `mask` (0–7) instead of
    /// the one the penalty rules choose: for comparing with another encoder's symbol.
    pub fn encode_with_mask(data: &[u8], level: EcLevel, mask: u8) -> Result<QrCode, QrError> {
        let chosen = Self::encode(data, level)?;
        Ok(Self::encode_at(data, chosen.version, level, Some(mask % 8)))
    }

    /// Encodes at a given version, with a given mask or (`None`) the one the penalty rules
    /// choose. The data must fit (see [`byte_capacity`]).
    fn encode_at(data: &[u8], version: u8, level: EcLevel, mask: Option<u8>) -> QrCode {
        let codewords = add_error_correction(&data_codewords(data, version, level), version, level);
        let mut code = QrCode {
            version,
            level,
            mask: 0,
            size: usize::from(version) * 4 + 17,
            modules: Vec::new(),
        };
        let (base, function) = code.function_patterns();
        let mut placed = base;
        place_codewords(&mut placed, &function, code.size, &codewords);
        let masked = |m: u8| {
            let mut modules = placed.clone();
            apply_mask(&mut modules, &function, code.size, m);
            modules
        };
        let (mask, mut modules) = match mask {
            Some(m) => (m, masked(m)),
            // §7.8.3: every mask is tried and the one with the lowest penalty kept (the first
            // of equal ones). The symbol is scored as §7.1 orders the steps: masking (step 6)
            // before the format and version information are generated (step 7), so their
            // modules are still light when scored.
            None => (0..8u8)
                .map(|m| (m, masked(m)))
                .min_by_key(|(m, modules)| (penalty(modules, code.size), *m))
                .expect("eight masks"),
        };
        code.draw_format(&mut modules, mask);
        code.draw_version(&mut modules);
        code.mask = mask;
        code.modules = modules;
        code
    }

    /// The version (1–40): the symbol is `17 + 4 × version` modules wide.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The error correction level.
    pub fn level(&self) -> EcLevel {
        self.level
    }

    /// The data mask pattern reference (0–7, §7.8.2 Table 10).
    pub fn mask(&self) -> u8 {
        self.mask
    }

    /// Modules per side, without the quiet zone.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the module at row `y`, column `x` is dark.
    pub fn dark(&self, x: usize, y: usize) -> bool {
        self.modules[y * self.size + x]
    }

    /// The symbol as rows of `#` (dark) and `.` (light), one line per row: for tests and
    /// terminals.
    pub fn rows(&self) -> String {
        let mut out = String::with_capacity(self.size * (self.size + 1));
        for y in 0..self.size {
            for x in 0..self.size {
                out.push(if self.dark(x, y) { '#' } else { '.' });
            }
            out.push('\n');
        }
        out
    }

    /// The SVG path (`d` attribute) of the dark modules, one subpath per horizontal run,
    /// in module units offset by the quiet zone of four modules (§6.3.8).
    pub fn svg_path(&self) -> String {
        let mut d = String::new();
        for y in 0..self.size {
            let mut x = 0;
            while x < self.size {
                if !self.dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.size && self.dark(x, y) {
                    x += 1;
                }
                let _ = write!(
                    d,
                    "M{} {}h{}v1h-{}z",
                    start + 4,
                    y + 4,
                    x - start,
                    x - start
                );
            }
        }
        d
    }

    /// Modules per side with the quiet zone: the SVG's view box.
    pub fn svg_extent(&self) -> usize {
        self.size + 8
    }

    /// A whole SVG document: dark modules on a light ground, crisp at any size.
    pub fn svg(&self) -> String {
        let n = self.svg_extent();
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {n} {n}\" \
             shape-rendering=\"crispEdges\"><rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/>\
             <path fill=\"#000\" d=\"{}\"/></svg>",
            self.svg_path()
        )
    }

    /// The function patterns of §6.3 (finder patterns and separators §6.3.3–6.3.4, timing
    /// patterns §6.3.5, alignment patterns §6.3.6) with the areas reserved for format and
    /// version information (§6.3.7, §7.9, §7.10) and the dark module (§7.9.1): the modules'
    /// colours, and which modules are function modules (where no data goes).
    fn function_patterns(&self) -> (Vec<bool>, Vec<bool>) {
        let n = self.size;
        let mut dark = vec![false; n * n];
        let mut function = vec![false; n * n];
        let mut set = |x: usize, y: usize, d: bool| {
            dark[y * n + x] = d;
            function[y * n + x] = true;
        };
        // Timing patterns (§6.3.5): row 6 and column 6 alternate, dark on even indices.
        for i in 0..n {
            set(6, i, i % 2 == 0);
            set(i, 6, i % 2 == 0);
        }
        // Finder patterns (§6.3.3) with their one-module light separators (§6.3.4): 7×7
        // rings dark, light, dark 3×3 centre, at three corners.
        for (cx, cy) in [(3, 3), (n - 4, 3), (3, n - 4)] {
            for dy in -4i32..=4 {
                for dx in -4i32..=4 {
                    let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                    if x < 0 || y < 0 || x >= n as i32 || y >= n as i32 {
                        continue;
                    }
                    let ring = dx.abs().max(dy.abs());
                    set(x as usize, y as usize, ring != 2 && ring != 4);
                }
            }
        }
        // Alignment patterns (§6.3.6, Annex E): 5×5, centred on every pair of the
        // version's row/column coordinates except where they would overlap a finder.
        let centres = alignment_centres(self.version);
        let last = centres.len().saturating_sub(1);
        for (i, &cy) in centres.iter().enumerate() {
            for (j, &cx) in centres.iter().enumerate() {
                if (i == 0 && (j == 0 || j == last)) || (i == last && j == 0) {
                    continue;
                }
                for dy in -2i32..=2 {
                    for dx in -2i32..=2 {
                        let ring = dx.abs().max(dy.abs());
                        set(
                            (cx as i32 + dx) as usize,
                            (cy as i32 + dy) as usize,
                            ring != 1,
                        );
                    }
                }
            }
        }
        // Format information areas (§7.9.1), drawn per mask later; reserved here.
        for i in (0..9).filter(|&i| i != 6) {
            set(8, i, false);
            set(i, 8, false);
        }
        for i in 0..8 {
            set(n - 1 - i, 8, false);
            set(8, n - 1 - i, false);
        }
        // The dark module (§7.9.1, Figure 25): always dark, at (8, 4V + 9).
        set(8, n - 8, true);
        // Version information (§7.10) for versions 7 and up: two 6×3 blocks beside the
        // top-right and bottom-left finders, reserved here and drawn with the format.
        if self.version >= 7 {
            for i in 0..18 {
                let (a, b) = (n - 11 + i % 3, i / 3);
                set(a, b, false);
                set(b, a, false);
            }
        }
        (dark, function)
    }

    /// Writes the version information (§7.10) for versions 7 and up: an 18-bit BCH(18,6)
    /// code of the version, generator polynomial G(x) = x^12 + x^11 + x^10 + x^9 + x^8 +
    /// x^5 + x^2 + 1 (0x1F25), least significant bit first along the 6×3 blocks (Figure 27).
    fn draw_version(&self, modules: &mut [bool]) {
        if self.version < 7 {
            return;
        }
        let n = self.size;
        let v = u32::from(self.version);
        let bits = (v << 12) | bch_remainder(v, 0x1F25, 12);
        for i in 0..18 {
            let d = (bits >> i) & 1 == 1;
            let (a, b) = (n - 11 + i % 3, i / 3);
            modules[b * n + a] = d;
            modules[a * n + b] = d;
        }
    }

    /// Writes the format information for `mask` into both of its places (§7.9.1): the level
    /// and mask (5 bits), a BCH(15,5) code with generator G(x) = x^10 + x^8 + x^5 + x^4 + x^2
    /// + x + 1 (0x537), XORed with 101010000010010 (0x5412) so that it is never all light.
    fn draw_format(&self, modules: &mut [bool], mask: u8) {
        let n = self.size;
        let data = (self.level.format_bits() << 3) | u32::from(mask);
        let bits = ((data << 10) | bch_remainder(data, 0x537, 10)) ^ 0x5412;
        let bit = |i: usize| (bits >> i) & 1 == 1;
        let mut put = |x: usize, y: usize, d: bool| modules[y * n + x] = d;
        // Around the top-left finder: bits 0–5 down column 8, 6–7 skipping the timing row,
        // 8 on row 8 left of column 8, then 9–14 leftwards along row 8.
        for i in 0..6 {
            put(8, i, bit(i));
        }
        put(8, 7, bit(6));
        put(8, 8, bit(7));
        put(7, 8, bit(8));
        for i in 9..15 {
            put(14 - i, 8, bit(i));
        }
        // The second copy: bits 0–7 along row 8 from the right edge, 8–14 up column 8 from
        // just below the dark module.
        for i in 0..8 {
            put(n - 1 - i, 8, bit(i));
        }
        for i in 8..15 {
            put(8, n - 15 + i, bit(i));
        }
    }
}

/// The remainder of `data · x^degree` divided by the generator polynomial `generator` over
/// GF(2): the check bits of the format (§7.9.1) and version (§7.10) information.
fn bch_remainder(data: u32, generator: u32, degree: u32) -> u32 {
    let mut rem = data << degree;
    for bit in (degree..degree + 6).rev() {
        if rem & (1 << bit) != 0 {
            rem ^= generator << (bit - degree);
        }
    }
    rem
}

/// The row/column coordinates of alignment pattern centres for a version (Annex E,
/// Table E.1): none for version 1; otherwise `version / 7 + 2` coordinates from 6 to
/// `size − 7`, spaced evenly from the far end by an even step, the first gap taking what
/// is left. Version 32 is the one exception in the table (step 26, not 24).
fn alignment_centres(version: u8) -> Vec<usize> {
    if version == 1 {
        return Vec::new();
    }
    let v = usize::from(version);
    let count = v / 7 + 2;
    let last = v * 4 + 10;
    let step = if version == 32 {
        26
    } else {
        // The span from 6 to the last, divided by the gaps, rounded up to an even number.
        (last - 6).div_ceil(2 * (count - 1)) * 2
    };
    let mut centres: Vec<usize> = (0..count - 1).map(|i| last - i * step).collect();
    centres.push(6);
    centres.reverse();
    centres
}

/// The number of modules left for data and error correction in a version (§7.1, Table 1,
/// column "data modules except format and version information"), counted from the
/// function patterns themselves.
fn data_modules(version: u8) -> usize {
    let code = QrCode {
        version,
        level: EcLevel::L,
        mask: 0,
        size: usize::from(version) * 4 + 17,
        modules: Vec::new(),
    };
    let (_, function) = code.function_patterns();
    function.iter().filter(|f| !**f).count()
}

/// Codewords of the symbol (data and error correction, §7.1 Table 1): the data modules
/// in whole bytes; what is left over are the remainder bits (0, 3, 4 or 7).
fn total_codewords(version: u8) -> usize {
    data_modules(version) / 8
}

/// Data codewords at a level: the total less the error correction codewords (Table 9).
fn data_codeword_count(version: u8, level: EcLevel) -> usize {
    let (per_block, blocks) = ec_layout(version, level);
    total_codewords(version) - per_block * blocks
}

/// (error correction codewords per block, number of blocks) from Table 9.
fn ec_layout(version: u8, level: EcLevel) -> (usize, usize) {
    let v = usize::from(version) - 1;
    (
        usize::from(EC_CODEWORDS_PER_BLOCK[level.index()][v]),
        usize::from(EC_BLOCKS[level.index()][v]),
    )
}

/// The bits of the character count indicator in byte mode (§7.4.1, Table 3): 8 for
/// versions 1–9, 16 for 10–40.
fn count_bits(version: u8) -> usize {
    if version < 10 { 8 } else { 16 }
}

/// How many bytes byte mode holds at a version and level (§7.4.10, Table 7): the data
/// bits less the 4-bit mode indicator and the count indicator, in whole bytes.
pub fn byte_capacity(version: u8, level: EcLevel) -> usize {
    let bits = data_codeword_count(version, level) * 8;
    let capacity = bits.saturating_sub(4 + count_bits(version)) / 8;
    // A count indicator of 8 bits cannot say more than 255.
    if count_bits(version) == 8 {
        capacity.min(255)
    } else {
        capacity
    }
}

/// A big-endian bit writer.
struct Bits {
    bytes: Vec<u8>,
    len: usize,
}

impl Bits {
    fn push(&mut self, value: u32, count: usize) {
        for i in (0..count).rev() {
            if self.len % 8 == 0 {
                self.bytes.push(0);
            }
            if (value >> i) & 1 == 1 {
                let last = self.bytes.len() - 1;
                self.bytes[last] |= 0x80 >> (self.len % 8);
            }
            self.len += 1;
        }
    }
}

/// The data codewords (§7.4): the byte mode indicator 0100 (§7.4.2 Table 2), the count
/// (§7.4.5), the bytes, then the terminator of up to four zero bits (§7.4.9), zero bits to
/// the next byte, and the pad codewords 11101100 and 00010001 in turn (§7.4.10).
fn data_codewords(data: &[u8], version: u8, level: EcLevel) -> Vec<u8> {
    let capacity = data_codeword_count(version, level);
    let mut bits = Bits {
        bytes: Vec::with_capacity(capacity),
        len: 0,
    };
    bits.push(0b0100, 4);
    bits.push(data.len() as u32, count_bits(version));
    for &b in data {
        bits.push(u32::from(b), 8);
    }
    let terminator = (capacity * 8 - bits.len).min(4);
    bits.push(0, terminator);
    let to_byte = (8 - bits.len % 8) % 8;
    bits.push(0, to_byte);
    let mut codewords = bits.bytes;
    for pad in [0xEC, 0x11].into_iter().cycle() {
        if codewords.len() >= capacity {
            break;
        }
        codewords.push(pad);
    }
    codewords
}

/// Multiplication in GF(2^8) with the field's prime polynomial x^8 + x^4 + x^3 + x^2 + 1
/// (0x11D, §7.5.2).
fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0u8;
    while b != 0 {
        if b & 1 == 1 {
            product ^= a;
        }
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= 0x1D;
        }
        b >>= 1;
    }
    product
}

/// The generator polynomial of degree `n` (§7.5.2, Annex A): (x − α^0)(x − α^1)…(x −
/// α^(n−1)) with α = 2, its coefficients from the highest power down, leading 1 left out.
fn rs_generator(n: usize) -> Vec<u8> {
    let mut poly = vec![0u8; n];
    poly[n - 1] = 1;
    let mut root = 1u8;
    for _ in 0..n {
        // Multiply by (x − root): shift up and add root × the polynomial.
        for j in 0..n {
            poly[j] = gf_mul(poly[j], root) ^ poly.get(j + 1).copied().unwrap_or(0);
        }
        root = gf_mul(root, 2);
    }
    poly
}

/// The error correction codewords of one block (§7.5.2): the remainder of the data
/// polynomial times x^n divided by the generator.
fn rs_remainder(data: &[u8], generator: &[u8]) -> Vec<u8> {
    let mut rem = vec![0u8; generator.len()];
    for &b in data {
        let factor = b ^ rem[0];
        rem.rotate_left(1);
        let last = rem.len() - 1;
        rem[last] = 0;
        for (r, &g) in rem.iter_mut().zip(generator) {
            *r ^= gf_mul(g, factor);
        }
    }
    rem
}

/// Splits the data codewords into the blocks of Table 9, adds each block's error
/// correction codewords, and interleaves them (§7.6): the first data codeword of every
/// block, then the second…, (the longer blocks' last ones at the end), then the error
/// correction codewords the same way.
fn add_error_correction(data: &[u8], version: u8, level: EcLevel) -> Vec<u8> {
    let (per_block, blocks) = ec_layout(version, level);
    let short_len = data.len() / blocks;
    let long_blocks = data.len() % blocks;
    let generator = rs_generator(per_block);
    let mut split = Vec::with_capacity(blocks);
    let mut at = 0;
    for i in 0..blocks {
        let len = short_len + usize::from(i >= blocks - long_blocks);
        let block = &data[at..at + len];
        at += len;
        split.push((block, rs_remainder(block, &generator)));
    }
    let mut out = Vec::with_capacity(total_codewords(version));
    for i in 0..=short_len {
        for (block, _) in &split {
            if let Some(&b) = block.get(i) {
                out.push(b);
            }
        }
    }
    for i in 0..per_block {
        for (_, ec) in &split {
            out.push(ec[i]);
        }
    }
    out
}

/// Places the codewords' bits (§7.7.3): in two-module-wide columns from the right edge,
/// upwards then downwards in turn, right module before left, skipping function modules and
/// the vertical timing pattern's column; remainder bits stay light (zero).
fn place_codewords(modules: &mut [bool], function: &[bool], n: usize, codewords: &[u8]) {
    let total_bits = codewords.len() * 8;
    let mut i = 0;
    let mut right = n - 1;
    let mut upward = true;
    loop {
        for k in 0..n {
            let y = if upward { n - 1 - k } else { k };
            for x in [right, right - 1] {
                if function[y * n + x] {
                    continue;
                }
                if i < total_bits {
                    modules[y * n + x] = (codewords[i / 8] >> (7 - i % 8)) & 1 == 1;
                }
                i += 1;
            }
        }
        upward = !upward;
        if right < 3 {
            break;
        }
        right -= 2;
        // The vertical timing pattern takes column 6 whole: the column pair moves past it.
        if right == 6 {
            right = 5;
        }
    }
}

/// The data mask patterns of §7.8.2 (Table 10), `i` the row and `j` the column: a module
/// is inverted where the condition holds.
fn mask_applies(mask: u8, i: usize, j: usize) -> bool {
    match mask {
        0 => (i + j) % 2 == 0,
        1 => i % 2 == 0,
        2 => j % 3 == 0,
        3 => (i + j) % 3 == 0,
        4 => (i / 2 + j / 3) % 2 == 0,
        5 => (i * j) % 2 + (i * j) % 3 == 0,
        6 => ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        _ => ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    }
}

/// XORs the mask into the encoding region (never into function modules, §7.8.1).
fn apply_mask(modules: &mut [bool], function: &[bool], n: usize, mask: u8) {
    for i in 0..n {
        for j in 0..n {
            if !function[i * n + j] && mask_applies(mask, i, j) {
                modules[i * n + j] = !modules[i * n + j];
            }
        }
    }
}

/// The penalty score of a masked symbol (§7.8.3, Table 11), with N1 = 3, N2 = 3, N3 = 40,
/// N4 = 10:
/// 1. each run of five or more modules of one colour in a row or column: N1 + (length − 5);
/// 2. each 2×2 block of one colour: N2 (blocks may overlap, so an m×n block counts
///    (m − 1)(n − 1) times);
/// 3. each 1:1:3:1:1 dark–light–dark–light–dark pattern with four light modules before or
///    after it in a row or column: N3 (once per pattern; the quiet zone outside the symbol
///    counts as light);
/// 4. the share of dark modules: N4 for every full 5 % it is away from 50 %.
fn penalty(modules: &[bool], n: usize) -> u32 {
    let at = |x: usize, y: usize| modules[y * n + x];
    let mut score = 0u32;
    // Rules 1 and 3 look along rows and along columns alike.
    for horizontal in [true, false] {
        for a in 0..n {
            let line: Vec<bool> = (0..n)
                .map(|b| if horizontal { at(b, a) } else { at(a, b) })
                .collect();
            let mut run = 1;
            for b in 1..=n {
                if b < n && line[b] == line[b - 1] {
                    run += 1;
                    continue;
                }
                if run >= 5 {
                    score += 3 + (run - 5);
                }
                run = 1;
            }
            score += 40 * finder_like(&line);
        }
    }
    for y in 0..n - 1 {
        for x in 0..n - 1 {
            let c = at(x, y);
            if at(x + 1, y) == c && at(x, y + 1) == c && at(x + 1, y + 1) == c {
                score += 3;
            }
        }
    }
    let dark = modules.iter().filter(|d| **d).count();
    let total = n * n;
    // k = ⌊|dark/total − 1/2| / 5 %⌋, in integers.
    let k = (dark * 20).abs_diff(total * 10) / total;
    score + 10 * k as u32
}

/// How many 1:1:3:1:1 patterns (dark 1, light 1, dark 3, light 1, dark 1) a line holds with
/// four light modules before or after them: each counts once, whether one side or both are
/// light, and the quiet zone beyond the ends is light (§6.3.8).
fn finder_like(line: &[bool]) -> u32 {
    const PATTERN: [bool; 7] = [true, false, true, true, true, false, true];
    let n = line.len() as isize;
    let at = |i: isize| i >= 0 && i < n && line[i as usize];
    let light = |from: isize| (from..from + 4).all(|i| !at(i));
    let mut count = 0;
    for start in 0..=n - 7 {
        if (0..7).all(|k| at(start + k) == PATTERN[k as usize])
            && (light(start - 4) || light(start + 7))
        {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_modules_match_table_1() {
        // ISO/IEC 18004:2015 Table 1: codewords and remainder bits per version.
        for (version, codewords, remainder) in [
            (1, 26, 0),
            (2, 44, 7),
            (6, 172, 7),
            (7, 196, 0),
            (14, 581, 3),
            (21, 1156, 4),
            (28, 1921, 3),
            (40, 3706, 0),
        ] {
            let modules = data_modules(version);
            assert_eq!(
                (modules / 8, modules % 8),
                (codewords, remainder),
                "version {version}"
            );
        }
    }

    #[test]
    fn byte_capacities_match_table_7() {
        // Table 7, byte mode.
        for (version, level, bytes) in [
            (1, EcLevel::L, 17),
            (1, EcLevel::M, 14),
            (1, EcLevel::Q, 11),
            (1, EcLevel::H, 7),
            (10, EcLevel::M, 213),
            (36, EcLevel::L, 2431),
            (40, EcLevel::L, 2953),
            (40, EcLevel::M, 2331),
            (40, EcLevel::Q, 1663),
            (40, EcLevel::H, 1273),
        ] {
            assert_eq!(byte_capacity(version, level), bytes, "{version}-{level:?}");
        }
    }

    #[test]
    fn alignment_centres_match_table_e1() {
        assert_eq!(alignment_centres(1), Vec::<usize>::new());
        assert_eq!(alignment_centres(2), [6, 18]);
        assert_eq!(alignment_centres(7), [6, 22, 38]);
        assert_eq!(alignment_centres(15), [6, 26, 48, 70]);
        assert_eq!(alignment_centres(32), [6, 34, 60, 86, 112, 138]);
        assert_eq!(alignment_centres(36), [6, 24, 50, 76, 102, 128, 154]);
        assert_eq!(alignment_centres(40), [6, 30, 58, 86, 114, 142, 170]);
    }

    #[test]
    fn format_and_version_codes_match_annex_c_and_d() {
        // Annex C, Table C.1: level M, mask 5 → 100000011001110 after the XOR... checked
        // here through the BCH remainder of Annex C's worked example: data 00101 (M, mask 5)
        // gives check bits 0011011100.
        assert_eq!(bch_remainder(0b00101, 0x537, 10), 0b0011011100);
        // Annex D, Table D.1: version 7 → 000111 110010 010100.
        assert_eq!(
            (7 << 12) | bch_remainder(7, 0x1F25, 12),
            0b000111110010010100
        );
        // Version 40 → 101000 110001 101001.
        assert_eq!(
            (40 << 12) | bch_remainder(40, 0x1F25, 12),
            0b101000110001101001
        );
    }

    #[test]
    fn reed_solomon_matches_annex_i() {
        // Annex I's worked example "01234567", version 1-M: data codewords
        // 10 20 0C 56 61 80 EC 11 EC 11 EC 11 EC 11 EC 11, error correction
        // A5 24 D4 C1 ED 36 C7 87 2C 55.
        let data = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11,
            0xEC, 0x11,
        ];
        assert_eq!(
            rs_remainder(&data, &rs_generator(10)),
            [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55]
        );
    }

    #[test]
    fn too_long_is_an_error() {
        let data = vec![b'a'; 2332];
        assert_eq!(
            QrCode::encode(&data, EcLevel::M),
            Err(QrError::TooLong {
                bytes: 2332,
                max: 2331
            })
        );
        // 2,332 bytes need version 36 at L, which holds 2,431 (Table 7).
        let code = QrCode::encode_best(&data, &[EcLevel::M, EcLevel::L]).unwrap();
        assert_eq!((code.version(), code.level()), (36, EcLevel::L));
    }

    #[test]
    fn svg_has_quiet_zone() {
        let code = QrCode::encode(b"svcplay", EcLevel::M).unwrap();
        assert_eq!(code.size(), 21);
        let svg = code.svg();
        assert!(svg.contains("viewBox=\"0 0 29 29\""));
        // The top-left finder's first row: seven dark modules from (4, 4).
        assert!(svg.contains("M4 4h7v1h-7z"));
    }
}
