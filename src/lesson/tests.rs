//! The lesson format's tests: the built-in lessons, snippets, starts, checks and
//! solutions, and hostile lesson text.

use super::*;

#[test]
fn every_builtin_lesson_parses_with_both_languages() {
    let mut steps = 0;
    let mut checks = 0;
    for (name, source) in BUILTIN_SOURCES {
        let lesson = parse(source).unwrap_or_else(|d| panic!("{name}: {d:?}"));
        assert!(
            name.ends_with(&format!("{}.md", lesson.id)),
            "{name}: id {}",
            lesson.id
        );
        assert!(
            lesson
                .docs
                .iter()
                .all(|d| d.starts_with("https://kubernetes.io/"))
        );
        for step in &lesson.steps {
            for lang in Lang::ALL {
                assert!(!step.title.get(lang).is_empty(), "{name} {}", step.id);
                assert!(!step.body.get(lang).is_empty(), "{name} {}", step.id);
            }
            // The Chinese text uses full-width punctuation after Chinese characters.
            for block in &step.body.zh {
                if let Block::Markdown(text) = block {
                    let chars: Vec<char> = text.chars().collect();
                    for w in chars.windows(2) {
                        let cjk = ('\u{4e00}'..='\u{9fff}').contains(&w[0]);
                        assert!(
                            !(cjk && matches!(w[1], ',' | ';' | '?' | '!')),
                            "{name} {}: half-width punctuation after Chinese: {text}",
                            step.id
                        );
                    }
                }
            }
            steps += 1;
            checks += step.checks.len();
        }
    }
    assert_eq!(builtin().len(), BUILTIN_SOURCES.len());
    assert!(
        steps >= 26 && checks >= 50,
        "{steps} steps, {checks} checks"
    );
}

#[test]
fn snippets_are_runnable_commands_and_manifests() {
    let lesson = find("clusterip").unwrap();
    let snippets: Vec<&Snippet> = lesson.steps[0]
        .body
        .en
        .iter()
        .filter_map(|b| match b {
            Block::Snippet(s) => Some(s),
            Block::Markdown(_) => None,
        })
        .collect();
    assert_eq!(snippets[1].kind, SnippetKind::Command);
    assert_eq!(snippets[1].text, "kubectl create -f deployment.yaml\n");
    let lb = find("loadbalancer-externalname").unwrap();
    assert!(lb.steps[0].body.zh.iter().any(|b| matches!(
        b,
        Block::Snippet(Snippet {
            kind: SnippetKind::Manifest,
            ..
        })
    )));
}

#[test]
fn a_later_step_starts_where_the_previous_solution_leaves() {
    let lesson = find("clusterip").unwrap();
    let second = lesson.start(1, Lang::En).unwrap();
    let analysis = analyze(&second);
    assert!(
        analysis
            .objects
            .pods
            .iter()
            .any(|p| p.meta.name.starts_with("pc-deployment-"))
    );
    assert!(lesson.start(9, Lang::En).is_err());
    // The learner fails the step's checks until the Service exists; each outcome says
    // what it saw, in both languages.
    let outcomes = check(&lesson.steps[1], &second, &analysis, &[]);
    assert!(!outcomes[0].passed);
    assert_eq!(
        outcomes[0].message(Lang::En),
        "Service dev/service-clusterip has exactly 3 ready endpoints — saw there is no Service dev/service-clusterip"
    );
    assert_eq!(
        outcomes[0].message(Lang::Zh),
        "Service dev/service-clusterip 有恰好 3 个就绪的 endpoint——实际：没有名为 dev/service-clusterip 的 Service"
    );
    let solved = solve(
        &lesson.steps[1],
        &second,
        &crate::shell::Terminal::default(),
    );
    assert!(solved.failures.is_empty(), "{:?}", solved.failures);
    assert!(
        solved
            .transcript
            .contains("service/service-clusterip created")
    );
    let after = analyze(&solved.text);
    assert!(
        check(&lesson.steps[1], &solved.text, &after, &solved.commands)
            .iter()
            .all(|o| o.passed)
    );
}

#[test]
fn hostile_lessons_are_diagnostics() {
    for text in [
        "",
        "---",
        "---\n---\n",
        "---\nid: [\n---\n## step a\n",
        "\u{0}\u{feff}---\n",
    ] {
        assert!(parse(text).is_err(), "{text:?}");
    }
    let huge = "a".repeat(MAX_LESSON_BYTES + 1);
    assert_eq!(parse(&huge).unwrap_err()[0].line, 1);
    // A check line of every shape the tokenizer might trip on.
    for line in [
        "ran pattern=\"",
        "traffic from= to=",
        "=",
        "endpoints service=/ ready>=x",
        "field object=a/b/c path=x value=1",
        "output command=\"a\\\"",
    ] {
        assert!(parse::parse_check(line).is_err(), "{line}");
    }
}
