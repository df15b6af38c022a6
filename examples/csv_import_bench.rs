//! How long Microsoft's migration CSV takes to check at its size limit (50,000 rows), the
//! work done when the owner imports a file. Run by bench/csv-import.sh; prints one JSON line.

use std::time::Instant;

use mailferry::migration_csv::{parse, MAX_ROWS};

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(9);
    let mut text = String::from("\u{feff}EmailAddress,UserName,Password,UserRoot\r\n");
    for i in 0..MAX_ROWS {
        text.push_str(&format!(
            "employee{i:05}@contoso.com,employee.{i:05}@old-provider.example,Pw-{i:05}-x7!Q,/users/{i:05}\r\n"
        ));
    }
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let users = match parse(text.as_bytes()) {
            Ok(users) => users,
            Err(problems) => {
                eprintln!("the generated file was refused: {:?}", problems.first());
                std::process::exit(1);
            }
        };
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(users.len(), MAX_ROWS, "every row must be accepted");
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{{\"rows\":{MAX_ROWS},\"bytes\":{},\"rounds\":{rounds},\"ms_min\":{:.1},\"ms_median\":{median:.1},\"ms_max\":{:.1},\"rows_per_s\":{:.0}}}",
        text.len(),
        times[0],
        times[times.len() - 1],
        MAX_ROWS as f64 / (median / 1000.0)
    );
}
