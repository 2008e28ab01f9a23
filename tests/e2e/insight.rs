//! End-to-end test of "seeing why" (issue 17) in headless Chromium: a rule clicked shows
//! the YAML it comes from and what it does; the editor's caret on the Deployment's
//! `replicas` lights the rules it makes; scaling the Deployment says what changed; the
//! three proxy modes side by side with their migration notes; the version panel. Each
//! in English and in Chinese, with screenshots in `test-output/` (`insight-*.png`).
//!
//! A test of its own in the `e2e_page` crate (a fresh browser), run only with
//! `SVCPLAY_E2E_DIST` set, like the walk-through in `tests/e2e/page.rs`.

use crate::page::{Page, UPDATE_TIMEOUT, walk};
use crate::support::json::Json;

#[test]
fn seeing_why() {
    walk(
        "e2e_page",
        "chromedriver-insight",
        "1440,900",
        "insight-failure",
        "seeing why",
        |page| page.seeing_why(),
    );
}

/// The words of each language the views must show.
struct Words {
    code: &'static str,
    what_it_does: &'static str,
    lit: &'static str,
    last_edit: &'static str,
    removed: &'static str,
    partial_sync: &'static str,
    notes: &'static str,
    applies: &'static str,
    differences: &'static str,
}

const EN: Words = Words {
    code: "en",
    what_it_does: "What it does:",
    lit: "come from the YAML at the cursor",
    last_edit: "Last edit:",
    removed: "1 endpoint removed",
    partial_sync: "partial sync",
    notes: "What changes when you migrate",
    applies: "applies to this scenario",
    differences: "Known differences from a real cluster",
};

const ZH: Words = Words {
    code: "zh",
    what_it_does: "作用：",
    lit: "光标处的 YAML 产生了",
    last_edit: "上一次编辑：",
    removed: "移除 1 个端点",
    partial_sync: "部分同步",
    notes: "迁移时需要注意的差异",
    applies: "与本场景相关",
    differences: "与真实集群的已知差异",
};

impl Page<'_> {
    fn seeing_why(&self) -> Result<(), String> {
        self.open("")?;
        self.default_rules()?;
        for words in [EN, ZH] {
            if words.code == "zh" {
                self.click("#lang-button")?;
                self.wait("the page in Chinese", UPDATE_TIMEOUT, || {
                    Ok((self.root_attribute("lang")? == "zh-CN").then_some(()))
                })?;
                // The same story again from the default lab.
                self.set_editor(svcplay::examples::DEFAULT)?;
            }
            self.rule_to_yaml(&words)?;
            self.yaml_to_rules(&words)?;
            self.what_changed(&words)?;
            self.modes_side_by_side(&words)?;
            self.versions(&words)?;
        }
        Ok(())
    }

    fn count(&self, selector: &str) -> Result<usize, String> {
        match self.exec(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![Json::from(selector)],
        )? {
            Json::Number(n) => Ok(n as usize),
            other => Err(format!("not a count: {other:?}")),
        }
    }

    /// The texts of the editor's lit lines (those drawn).
    fn lit_yaml(&self) -> Result<String, String> {
        self.string(
            "return [...document.querySelectorAll('.layer .ln.src-lit')].map(l => l.textContent).join('\\n');",
            vec![],
        )
    }

    /// Pointing at and clicking a DNAT rule of the lab's Service (kubeadm's kube-dns,
    /// whose rules come first, has no YAML in the editor): the readout says what it does and where it
    /// comes from, the editor lights the Service port and the Deployment's replicas, and
    /// selects the port.
    fn rule_to_yaml(&self, words: &Words) -> Result<(), String> {
        self.tab("rules")?;
        self.panel_shown("rules")?;
        let clicked = self.exec(
            "const l = [...document.querySelectorAll('#rules .rl')].find(l => l.textContent.includes('-j DNAT') && l.textContent.includes('dev/service-clusterip'));
             if (!l) return false;
             l.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
             l.click();
             return l.textContent;",
            vec![],
        )?;
        let Json::String(rule) = clicked else {
            return Err("no DNAT rule in #rules".into());
        };
        self.wait(
            "the rule's readout and its YAML lit",
            UPDATE_TIMEOUT,
            || {
                let readout = self.text_of("#rule-readout")?;
                let yaml = self.lit_yaml()?;
                Ok((readout.contains(words.what_it_does)
                    && readout.contains(rule.trim())
                    && yaml.contains("port: 80")
                    && yaml.contains("replicas: 3"))
                .then_some(()))
            },
        )?;
        // The readout stays in sight at the bottom of the view, however long the listing.
        let seen = self.exec(
            "const r = document.getElementById('rule-readout').getBoundingClientRect();
             const v = document.getElementById('view-panel').getBoundingClientRect();
             return r.height > 0 && r.top >= v.top && r.bottom <= v.bottom + 1;",
            vec![],
        )?;
        if seen != Json::Bool(true) {
            return Err("the rule's readout is out of sight".into());
        }
        // The click selected the Service port in the editor.
        let selected = self.string(
            "const e = document.getElementById('editor'); return e.value.slice(e.selectionStart, e.selectionEnd);",
            vec![],
        )?;
        if !selected.contains("port: 80") {
            return Err(format!(
                "the click selected {selected:?}, not the Service port"
            ));
        }
        self.screenshot(&format!("insight-rule-to-yaml-{}", words.code))
    }

    /// The caret on `replicas: 3`: the endpoints' rules light up.
    fn yaml_to_rules(&self, words: &Words) -> Result<(), String> {
        // Pointing elsewhere first, so the readout counts the lit rules.
        self.exec(
            "const r = document.getElementById('rules');
             r.dispatchEvent(new MouseEvent('mouseleave', {bubbles: false}));
             const e = document.getElementById('editor');
             const at = e.value.indexOf('replicas: 3') + 3;
             e.focus();
             e.setSelectionRange(at, at);
             e.dispatchEvent(new MouseEvent('click', {bubbles: true}));
             return true;",
            vec![],
        )?;
        self.wait("the rules of the replicas lit", UPDATE_TIMEOUT, || {
            let lit = self.string(
                "return [...document.querySelectorAll('#rules .rl.lit')].map(l => l.textContent).join('');",
                vec![],
            )?;
            Ok((lit.matches("-j DNAT").count() == 3).then_some(lit))
        })?;
        // Nothing but the endpoints' own rules: no fixed chain is lit.
        let lit = self.string(
            "return [...document.querySelectorAll('#rules .rl.lit')].map(l => l.textContent).join('');",
            vec![],
        )?;
        if lit.contains("KUBE-POSTROUTING") || lit.contains("KUBE-FIREWALL") {
            return Err(format!("fixed rules lit by replicas:\n{lit}"));
        }
        let readout = self.text_of("#rule-readout")?;
        if !readout.contains(words.lit) && !readout.contains(words.what_it_does) {
            return Err(format!("the readout says {readout:?}"));
        }
        self.screenshot(&format!("insight-yaml-to-rules-{}", words.code))
    }

    /// Scaling the Deployment from 3 to 2: the line above the views says so, the Changes
    /// view shows the chains rewritten and kube-proxy's partial sync.
    fn what_changed(&self, words: &Words) -> Result<(), String> {
        let text = self.string("return document.getElementById('editor').value;", vec![])?;
        let scaled = text.replacen("replicas: 3", "replicas: 2", 1);
        if scaled == text {
            return Err("no replicas: 3 to scale".into());
        }
        self.set_editor(&scaled)?;
        self.wait("the last change", UPDATE_TIMEOUT, || {
            let line = self.text_of("#last-change")?;
            Ok((line.contains(words.last_edit) && line.contains(words.removed)).then_some(()))
        })?;
        self.screenshot(&format!("insight-last-change-{}", words.code))?;
        self.click("#last-change button")?;
        self.panel_shown("changes")?;
        self.wait("the edit in full", UPDATE_TIMEOUT, || {
            let view = self.text_of(".changes details.edit[open]")?;
            Ok((view.contains("KUBE-SEP-")
                && view.contains("KUBE-SVC-")
                && view.contains(words.partial_sync)
                && view.contains("dev/service-clusterip"))
            .then_some(()))
        })?;
        if self.count(".changes .rl.minus")? == 0 {
            return Err("no removed line in the changes".into());
        }
        self.screenshot(&format!("insight-changes-{}", words.code))?;
        // Back to three replicas, for the next language's story.
        self.set_editor(&text)?;
        self.wait("the second edit kept", UPDATE_TIMEOUT, || {
            Ok((self.count(".changes details.edit")? >= 2).then_some(()))
        })
    }

    /// iptables, nftables and IPVS in columns: each sends the packet to the three Pods;
    /// IPVS's notes come first; a mode can be taken out and put back.
    fn modes_side_by_side(&self, words: &Words) -> Result<(), String> {
        self.tab("compare")?;
        self.panel_shown("compare")?;
        self.wait("three columns with a walk each", UPDATE_TIMEOUT, || {
            let modes = self.string(
                "return [...document.querySelectorAll('.compare .column')].map(c => c.dataset.mode + '=' + c.querySelector('.walk-result').textContent).join('|');",
                vec![],
            )?;
            let columns: Vec<&str> = modes.split('|').collect();
            Ok((columns.len() == 3
                && columns[0].starts_with("iptables=")
                && columns[1].starts_with("nftables=")
                && columns[2].starts_with("ipvs=")
                && columns.iter().all(|c| c.matches("10.244.").count() == 3))
            .then_some(()))
        })?;
        let notes = self.text_of(".compare")?;
        for word in [words.notes, words.applies, "kube-ipvs0"] {
            if !notes.contains(word) {
                return Err(format!("the compare view lacks {word:?}"));
            }
        }
        if self.count(".note-card.applies[open]")? == 0 {
            return Err("no migration note applies to the default lab".into());
        }
        self.screenshot(&format!("insight-compare-{}", words.code))?;
        self.click(".compare .subviews [data-mode=\"nftables\"]")?;
        self.wait("two columns", UPDATE_TIMEOUT, || {
            Ok((self.count(".compare .column")? == 2).then_some(()))
        })?;
        self.click(".compare .subviews [data-mode=\"nftables\"]")?;
        self.wait("three columns again", UPDATE_TIMEOUT, || {
            Ok((self.count(".compare .column")? == 3).then_some(()))
        })
    }

    /// Every modelled component with its version, and the known differences.
    fn versions(&self, words: &Words) -> Result<(), String> {
        self.tab("versions")?;
        self.panel_shown("versions")?;
        self.wait("the version table", UPDATE_TIMEOUT, || {
            let table = self.text_of("#modelled")?;
            Ok((table.contains(svcplay::fidelity::KUBERNETES)
                && self.count("#modelled tbody tr")? == svcplay::fidelity::MODELLED.len()
                && self.count("#differences li")? == svcplay::fidelity::DIFFERENCES.len()
                && self.text_of(".versions")?.contains(words.differences))
            .then_some(()))
        })?;
        self.screenshot(&format!("insight-versions-{}", words.code))
    }
}
