//! Parsing: what each form means, and the message for each malformed filter.

use super::*;

#[test]
fn like_handles_wildcards_and_case() {
    assert!(like("ridge%", "ridge alpha=1", false));
    assert!(like("%alpha=_", "ridge alpha=1", false));
    assert!(!like("%alpha=_", "ridge alpha=10", false));
    assert!(like("%a%a%", "banana", false));
    assert!(!like("RIDGE%", "ridge", false));
    assert!(like("RIDGE%", "ridge", true));
    assert!(like("", "", false) && !like("", "x", false) && like("%", "", false));
}

#[test]
fn attributes_are_found_by_name() {
    for name in ["run_name", "status", "start_time", "end_time", "run_id"] {
        assert_eq!(Attribute::from_name(name).map(Attribute::name), Some(name));
    }
    assert_eq!(Attribute::from_name("rmse"), None);
}

fn one_clause(text: &str) -> Clause {
    let filter = RunFilter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(filter.clauses.len(), 1, "{text}");
    filter.clauses[0].clone()
}

#[test]
fn keys_accept_mlflow_prefixes_quotes_and_bare_attributes() {
    let metric = |k: &str| FilterKey::Metric(k.to_string());
    let cases = [
        ("metrics.val_rmse < 6", metric("val_rmse")),
        ("metric.val_rmse < 6", metric("val_rmse")),
        ("metrics.`val.rmse` < 6", metric("val.rmse")),
        ("metrics.\"val rmse\" < 6", metric("val rmse")),
        ("metrics.val.rmse < 6", metric("val.rmse")),
        ("param.model = 'ols'", FilterKey::Param("model".into())),
        (
            "parameters.`my param` = 'x'",
            FilterKey::Param("my param".into()),
        ),
        (
            "tag.`flowbook.model` = 'x'",
            FilterKey::Tag("flowbook.model".into()),
        ),
        (
            "attribute.run_name = 'x'",
            FilterKey::Attribute(Attribute::RunName),
        ),
        (
            "attributes.end_time > 5",
            FilterKey::Attribute(Attribute::EndTime),
        ),
        ("run_name = 'x'", FilterKey::Attribute(Attribute::RunName)),
        (
            "status = 'FINISHED'",
            FilterKey::Attribute(Attribute::Status),
        ),
    ];
    for (text, key) in cases {
        assert_eq!(one_clause(text).key, key, "{text}");
    }
}

#[test]
fn values_operators_and_and_are_read_as_mlflow_does() {
    let clause = one_clause("metrics.val_rmse <= -1.5e1");
    assert_eq!(clause.comparator, Comparator::LessOrEqual);
    assert_eq!(clause.value, FilterValue::Number(-15.0));
    let clause = one_clause("params.model ilike \"RID%\"");
    assert_eq!(clause.comparator, Comparator::ILike);
    assert_eq!(clause.value, FilterValue::Text("RID%".into()));
    // As in MLflow, metrics compare to unquoted numbers only.
    assert!(RunFilter::parse("metrics.a != '3'").is_err());
    let clause = one_clause("attributes.run_id NOT IN ('a', \"b\",)");
    assert_eq!(clause.comparator, Comparator::NotIn);
    assert_eq!(
        clause.value,
        FilterValue::List(vec!["a".into(), "b".into()])
    );
    let clause = one_clause("tags.team is not null");
    assert_eq!(clause.comparator, Comparator::IsNotNull);
    assert_eq!(
        one_clause("`tags`.team IS NULL").key,
        FilterKey::Tag("team".into())
    );
    assert_eq!(
        one_clause("datasets.context = 'training'").key,
        FilterKey::Dataset(DatasetField::Context)
    );
    assert_eq!(
        one_clause("`Run Name` = 'x'").key,
        FilterKey::Attribute(Attribute::RunName)
    );
    assert_eq!(
        one_clause("created > 5").key,
        FilterKey::Attribute(Attribute::StartTime)
    );
    // MLflow's leniencies: AND may dangle or repeat, and may even be left out.
    for text in [
        "metrics.a < 1 AND",
        "AND metrics.a < 1 and and params.b = 'x'",
        "metrics.a < 1 params.b = 'x'",
    ] {
        assert!(RunFilter::parse(text).is_ok(), "{text}");
    }
    let filter = RunFilter::parse(
        "metrics.a>1 AND params.b='x' and tags.c LIKE 'y%' And status != 'failed'",
    )
    .expect("four clauses");
    assert_eq!(filter.clauses.len(), 4);
    assert_eq!(filter.clauses[0].comparator, Comparator::Greater);
    assert!(RunFilter::parse("   ").expect("blank").clauses.is_empty());
    assert_eq!(
        FilterKey::parse("metrics.`val.rmse`"),
        Ok(FilterKey::Metric("val.rmse".into()))
    );
}

#[test]
fn every_malformed_filter_says_what_and_where() {
    let cases = [
        ("metrics.val_rmse < = 6", 19, "expected a value after '<', found '='"),
        ("params.model 'ols'", 13, "expected a comparison operator such as < or =, found 'ols'"),
        ("metrics.val_rmse < 6 or params.model = 'ols'", 21, "OR is not supported"),
        ("attributes.status rmse", 18, "expected a comparison operator such as < or =, found 'rmse'"),
        ("metrics.val_rmse < 'abc'", 19, "metrics compare to numbers: 'abc' is not a number"),
        ("metrics.val_rmse < '6'", 19, "metrics compare to numbers: '6' is not a number"),
        ("metricz.val_rmse < 3", 0, "unknown prefix 'metricz.' — use metrics., params., tags., attributes. or datasets."),
        ("METRICS.val_rmse < 3", 0, "unknown prefix 'METRICS.'"),
        ("params.model = ridge", 15, "params compare to quoted strings: write 'ridge' with quotes"),
        ("params.model < 'ridge'", 13, "params.model cannot be compared with '<' — use =, !=, LIKE, ILIKE, IS NULL or IS NOT NULL"),
        ("metrics.val_rmse LIKE '6%'", 17, "cannot be compared with 'LIKE' — use =, !=, <, <=, > or >="),
        ("params.model = 'ridge", 15, "the ' opened here is never closed"),
        ("metrics.val_rmse <", 18, "expected a value after '<', found the end of the filter"),
        ("(metrics.val_rmse < 6)", 0, "parentheses are not supported"),
        ("rmse < 6", 0, "unknown attribute 'rmse' — use run_name, status, start_time, end_time, run_id, user_id or artifact_uri (for a metric write metrics.rmse)"),
        ("attributes.STATUS = 'x'", 0, "unknown attribute 'STATUS'"),
        ("metrics. < 6", 0, "'metrics.' needs a key name after the dot"),
        ("metrics.val_rmse ~ 6", 17, "unexpected character '~'"),
        ("attributes.start_time > yesterday", 24, "start_time compare to numbers: 'yesterday' is not a number"),
        ("params.`model = 'x'", 7, "the ` opened here is never closed"),
        ("= 3", 0, "expected a key such as metrics.val_rmse or params.model, found '='"),
        ("tags.team = `core`", 12, "tags compare to quoted strings: write 'core' with quotes"),
        ("params.model IN ('ols')", 13, "params.model cannot be compared with a list"),
        ("attributes.status IN ('FINISHED')", 18, "attributes.status cannot be compared with a list"),
        ("metrics.val_rmse IS NULL", 17, "IS NULL and IS NOT NULL are for params and tags, not metrics.val_rmse"),
        ("attributes.run_id IN ()", 22, "IN needs a list of quoted strings in parentheses, as in ('a', 'b'), found ')'"),
        ("attributes.run_id IN ('a', 1)", 27, "IN needs a list of quoted strings"),
        ("attributes.run_id IN 'a'", 21, "IN needs a list of quoted strings"),
        ("datasets.size = 'x'", 0, "unknown dataset field 'size' — use datasets.name, datasets.digest or datasets.context"),
        ("params.model IS 'x'", 13, "expected a comparison operator such as < or =, found 'IS'"),
    ];
    for (text, position, message) in cases {
        let error = RunFilter::parse(text).expect_err(text);
        let shown = error.to_string();
        assert!(
            shown.starts_with(&format!("at position {position}: ")),
            "{text}: {shown}"
        );
        assert!(shown.contains(message), "{text}: {shown}");
        assert_eq!(error.position(), position, "{text}");
    }
}
