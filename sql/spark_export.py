#!/usr/bin/env python3
"""Export many audit logs into one Parquet lake in parallel, one `whodunnit export` per input,
on a Spark cluster (docs/scale.md):

  spark-submit sql/spark_export.py --lake /lake/whodunnit --server-version 1.30 \
      --whodunnit /opt/whodunnit/bin/whodunnit INPUT...

Each input runs on one executor (`mapPartitions`, one input per partition) and writes into the
shared lake under its own `--file-prefix`, Hive-partitioned by hour. Inputs and the lake must be
paths every executor sees (a shared mount, or fetch the object to local disk first in `export_one`).
Give every export the same `--server-version`, so LIST sources are decided by the same rules in
every file. Prints one JSON line per input: what its export wrote.
"""
import argparse
import hashlib
import json
import os
import subprocess


def prefix_of(path):
    """A file prefix unique per input: its name and a short hash of its full path."""
    base = os.path.basename(path).split(".")[0] or "input"
    return f"{base}-{hashlib.sha1(path.encode()).hexdigest()[:8]}"


def export_one(path, lake, whodunnit, server_version=None, tables=None):
    cmd = [whodunnit, "export", "--parquet", lake, "--partition", "hour",
           "--file-prefix", prefix_of(path), "--json"]
    if server_version:
        cmd += ["--server-version", server_version]
    if tables:
        cmd += ["--tables", tables]
    out = subprocess.run(cmd + [path], check=True, capture_output=True, text=True).stdout
    m = json.loads(out)
    return {"input": path, "tables": {t["table"]: t["rows"] for t in m["tables"]}}


def run(spark, inputs, lake, whodunnit, server_version=None, tables=None):
    # Executors import this module to run export_one.
    spark.sparkContext.addPyFile(os.path.abspath(__file__))
    rdd = spark.sparkContext.parallelize(inputs, numSlices=max(len(inputs), 1))
    return rdd.mapPartitions(
        lambda it: [export_one(p, lake, whodunnit, server_version, tables) for p in it]).collect()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lake", required=True)
    ap.add_argument("--whodunnit", default="whodunnit")
    ap.add_argument("--server-version")
    ap.add_argument("--tables")
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.appName("whodunnit-export").getOrCreate()
    for r in run(spark, a.inputs, a.lake, a.whodunnit, a.server_version, a.tables):
        print(json.dumps(r))
    spark.stop()


if __name__ == "__main__":
    main()
