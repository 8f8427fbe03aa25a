"""Makes a large trip file from the real TLC samples for scale tests and benchmarks:
all nine green months concatenated and repeated until at least ROWS rows, ZSTD, several
row groups. Not committed; written to target/large/ by default.

    python scripts/make_large.py [ROWS] [OUT]
"""

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
COLUMNS = ["lpep_pickup_datetime", "lpep_dropoff_datetime", "PULocationID", "DOLocationID",
           "passenger_count", "trip_distance", "fare_amount", "total_amount"]


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else REPO / "target" / "large" / f"green_{rows}.parquet"
    tables = []
    for path in sorted(DATA.glob("green_tripdata_*.parquet")):
        t = pq.read_table(path, columns=COLUMNS)
        # Unify the types that differ between years (int32 vs int64 IDs, us vs ns times).
        t = pa.table({
            "lpep_pickup_datetime": pc.cast(t["lpep_pickup_datetime"], pa.timestamp("us")),
            "lpep_dropoff_datetime": pc.cast(t["lpep_dropoff_datetime"], pa.timestamp("us")),
            "PULocationID": pc.cast(t["PULocationID"], pa.int64()),
            "DOLocationID": pc.cast(t["DOLocationID"], pa.int64()),
            "passenger_count": pc.cast(t["passenger_count"], pa.float64()),
            "trip_distance": pc.cast(t["trip_distance"], pa.float64()),
            "fare_amount": pc.cast(t["fare_amount"], pa.float64()),
            "total_amount": pc.cast(t["total_amount"], pa.float64()),
        })
        tables.append(t)
    months = pa.concat_tables(tables)
    copies = -(-rows // months.num_rows)
    big = pa.concat_tables([months] * copies).slice(0, rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(big, out, compression="zstd", row_group_size=500_000)
    meta = pq.ParquetFile(out).metadata
    print(f"{out}: {meta.num_rows} rows, {meta.num_row_groups} row groups, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
