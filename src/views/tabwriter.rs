//! Go's `text/tabwriter`, which kubectl formats its tables with.
//!
//! Cells end with a tab; a line's last cell does not. A column's width is the widest cell
//! of a block of consecutive lines that have that column, plus the padding, and at least
//! `min_width`. Empty cells are padded too, which is why kubectl's `describe` lines can end
//! in spaces. Only what kubectl uses is implemented: left alignment, space padding.

/// Formats tab-separated text as `tabwriter.NewWriter(out, min_width, _, padding, ' ', 0)`.
pub fn format(text: &str, min_width: usize, padding: usize) -> String {
    let ends_with_newline = text.ends_with('\n');
    let body = if ends_with_newline {
        &text[..text.len() - 1]
    } else {
        text
    };
    let lines: Vec<Vec<&str>> = body.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut widths = Vec::new();
    format_block(
        &lines,
        0,
        lines.len(),
        &mut widths,
        min_width,
        padding,
        &mut out,
    );
    if ends_with_newline {
        out.push('\n');
    }
    out
}

fn width(cell: &str) -> usize {
    cell.chars().count()
}

fn format_block(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    min_width: usize,
    padding: usize,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut w = min_width;
        while this < line1 && column + 1 < lines[this].len() {
            w = w.max(width(lines[this][column]) + padding);
            this += 1;
        }
        widths.push(w);
        format_block(lines, line0, this, widths, min_width, padding, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j < widths.len() && j + 1 < line.len() {
                for _ in width(cell)..widths[j] {
                    out.push(' ');
                }
            }
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_like_kubectl_get() {
        let text = "NAME\tTYPE\tCLUSTER-IP\nkubernetes\tClusterIP\t10.96.0.1\nweb\tNodePort\t10.96.45.10\n";
        assert_eq!(
            format(text, 6, 3),
            "NAME         TYPE        CLUSTER-IP\nkubernetes   ClusterIP   10.96.0.1\nweb          NodePort    10.96.45.10\n"
        );
    }

    #[test]
    fn pads_empty_cells_and_breaks_blocks_on_short_lines() {
        let text = "Name:\tweb\nLabels:\t\nEvents:\t<none>\n";
        assert_eq!(
            format(text, 0, 2),
            "Name:    web\nLabels:  \nEvents:  <none>\n"
        );
        let blocks = "a\tb\n\nlonger\tc\n";
        assert_eq!(format(blocks, 0, 1), "a b\n\nlonger c\n");
    }
}
