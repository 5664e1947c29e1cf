"""The two SQL engines the shipped queries (sql/) run on, behind one interface.

Registering the tables is the only engine-specific part (the "dialect switch" of docs/schema.md):
DuckDB reads `read_parquet(..., hive_partitioning, union_by_name)`, Spark
`spark.read.option("mergeSchema", "true").parquet(...)`; both run with the session time zone UTC.
"""
import time

TABLES = ("audit_requests", "node_events", "goroutines", "goroutine_groups", "findings",
          "finding_evidence")


class DuckDB:
    name = "duckdb"

    def __init__(self):
        import duckdb
        self.version = duckdb.__version__
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")

    def register(self, out_dir, tables=TABLES):
        for t in tables:
            files = f"{out_dir}/{t}/**/*.parquet"
            self.con.execute(
                f"CREATE OR REPLACE VIEW {t} AS SELECT * FROM read_parquet('{files}', "
                "hive_partitioning = true, union_by_name = true)")

    def query(self, sql):
        cur = self.con.execute(sql)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def close(self):
        self.con.close()


class Spark:
    name = "spark"

    def __init__(self):
        import os
        from pyspark.sql import SparkSession
        # Loopback only: a local[2] session needs no other interface.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        t = time.time()
        self.spark = (SparkSession.builder.master("local[2]").appName("whodunnit-sql")
                      .config("spark.sql.session.timeZone", "UTC")
                      .config("spark.ui.enabled", "false")
                      .config("spark.ui.showConsoleProgress", "false")
                      .config("spark.sql.shuffle.partitions", "4")
                      .config("spark.driver.memory", "2g")
                      .getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")
        self.version = self.spark.version
        self.startup_s = time.time() - t

    def register(self, out_dir, tables=TABLES):
        import os
        for t in tables:
            path = f"{out_dir}/{t}"
            if os.path.isdir(path):
                (self.spark.read.option("mergeSchema", "true").parquet(path)
                 .createOrReplaceTempView(t))

    def query(self, sql):
        return [r.asDict() for r in self.spark.sql(sql).collect()]

    def close(self):
        self.spark.stop()
