//! `flowbook runs RUN.json... --filter TEXT [--order-by KEYS]`: the runs table's search on
//! saved run records, one JSON line per filter: the matching client ids in order, or the
//! filter's error (a bad filter is an answer, not a failure of the command).

use flowbook_core::store::{parse_order_by, select, sort_rows_by, StoredRun};
use flowbook_core::tracking::Run;
use serde_json::json;

use crate::args::RunsCli;

pub fn run(cli: &RunsCli) -> Result<(), String> {
    let mut runs = Vec::with_capacity(cli.files.len());
    for path in &cli.files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let run = Run::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        runs.push(StoredRun::new(run));
    }
    let order =
        parse_order_by(&cli.order_by).map_err(|e| format!("--order-by {:?}: {e}", cli.order_by))?;
    let filters = if cli.filter.is_empty() {
        vec![String::new()]
    } else {
        cli.filter.clone()
    };
    for filter in &filters {
        let line = match select(&runs, filter, None, false) {
            Ok(mut rows) => {
                if !order.is_empty() {
                    sort_rows_by(&runs, &mut rows, &order);
                }
                let ids: Vec<&str> = rows
                    .iter()
                    .map(|&i| runs[i].run.client_id.as_str())
                    .collect();
                json!({ "filter": filter, "runs": ids })
            }
            Err(error) => json!({ "filter": filter, "error": error.to_string() }),
        };
        println!("{line}");
    }
    Ok(())
}
