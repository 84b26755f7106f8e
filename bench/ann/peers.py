"""hnswlib and FAISS IndexHNSWFlat on the same fvecs files as bench_ann.

Run with Debian's /usr/bin/python3 (python3-hnswlib, python3-faiss).
One thread (OMP_NUM_THREADS=1, num_threads=1); queries are passed as one
batch so the peers' loops run in C++ without per-query Python overhead. Prints the same fields as
bench_ann: build time, bytes of hnswlib's saved index, recall@10 and
queries/s for ef in 16..512, time from load to the first answered query.

usage: peers.py BASE QUERY GT l2|cos M EFC SEED WORKDIR
(PEERS=hnswlib runs only hnswlib; default both. PEERS_REUSE=1 loads
WORKDIR/hnswlib.bin instead of building it: search figures only)
"""
import os
import functools
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import hnswlib  # noqa: E402
import faiss  # noqa: E402

print = functools.partial(print, flush=True)  # noqa: A001

K = 10
# the ladder semlite_collection_tune() climbs: a grid fine enough that a
# recall just short of a bar at one ef is not charged a doubled ef
EFS = [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    d = raw[0]
    return raw.reshape(-1, d + 1)[:, 1:].view(dtype).copy()


def recall(found, gt):
    hits = sum(len(set(found[i][:K]) & set(gt[i][:K])) for i in range(len(gt)))
    return hits / (len(gt) * K)


def timed_queries(fn, q, min_s=1.0):
    """Best of 3 passes of >= min_s each: (wall q/s, CPU-time q/s)."""
    fn(q)  # warm-up
    best, best_cpu = 0.0, 0.0
    for _ in range(3):
        reps, t = 0, 0.0
        t0, c0 = time.perf_counter(), time.process_time()
        while t < min_s:
            fn(q)
            reps += 1
            t = time.perf_counter() - t0
        c = time.process_time() - c0
        best = max(best, len(q) * reps / t)
        best_cpu = max(best_cpu, len(q) * reps / c)
    return best, best_cpu


def run_hnswlib(x, q, gt, metric, m, efc, seed, workdir):
    space = "l2" if metric == "l2" else "cosine"
    idx = hnswlib.Index(space=space, dim=x.shape[1])
    path = os.path.join(workdir, "hnswlib.bin")
    if os.environ.get("PEERS_REUSE") and os.path.exists(path):
        # searches only, on the index an earlier run built and saved
        # there (the 1M build takes 15 minutes); build_s prints nan
        idx.load_index(path, max_elements=len(x))
        build = build_cpu = float("nan")
    else:
        t0, c0 = time.perf_counter(), time.process_time()
        idx.init_index(max_elements=len(x), M=m, ef_construction=efc,
                       random_seed=seed)
        idx.set_num_threads(1)
        idx.add_items(x, np.arange(len(x)), num_threads=1)
        build = time.perf_counter() - t0
        build_cpu = time.process_time() - c0
        idx.save_index(path)
    print(f"hnswlib  n={len(x)} dim={x.shape[1]} M={m} efc={efc} "
          f"build_s={build:.2f} build_cpu_s={build_cpu:.2f} "
          f"disk_bytes={os.path.getsize(path)} load={os.getloadavg()}")
    for ef in EFS:
        idx.set_ef(ef)
        labels, _ = idx.knn_query(q, k=K, num_threads=1)
        qps, cq = timed_queries(
            lambda v: idx.knn_query(v, k=K, num_threads=1), q)
        print(f"hnswlib  ef={ef} recall@10={recall(labels, gt):.4f} "
              f"qps={qps:.0f} cpu_qps={cq:.0f}")
    del idx
    t0 = time.perf_counter()
    idx = hnswlib.Index(space=space, dim=x.shape[1])
    idx.load_index(path, max_elements=len(x))
    idx.set_ef(64)
    idx.knn_query(q[:1], k=K, num_threads=1)
    print(f"hnswlib  open_to_first_answer_ms="
          f"{(time.perf_counter() - t0) * 1000:.1f}")
    # the same query set searched with 1 and 2 threads (wall q/s, best
    # of 3 interleaved passes), as bench_db does for semlite
    qq = np.tile(q, (10, 1))
    q1 = q2 = 0.0
    for _ in range(3):
        q1 = max(q1, timed_queries(
            lambda v: idx.knn_query(v, k=K, num_threads=1), qq)[0])
        q2 = max(q2, timed_queries(
            lambda v: idx.knn_query(v, k=K, num_threads=2), qq)[0])
    print(f"hnswlib  threads ef=64 qps_1={q1:.0f} qps_2={q2:.0f} "
          f"speedup={q2 / q1:.2f}")


def run_faiss(x, q, gt, metric, m, efc, workdir):
    faiss.omp_set_num_threads(1)
    if metric == "l2":
        idx = faiss.IndexHNSWFlat(x.shape[1], m)
    else:
        idx = faiss.IndexHNSWFlat(x.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        q = q / np.linalg.norm(q, axis=1, keepdims=True)
    idx.hnsw.efConstruction = efc
    t0, c0 = time.perf_counter(), time.process_time()
    idx.add(x)
    build = time.perf_counter() - t0
    build_cpu = time.process_time() - c0
    path = os.path.join(workdir, "faiss.bin")
    faiss.write_index(idx, path)
    print(f"faiss    n={len(x)} dim={x.shape[1]} M={m} efc={efc} "
          f"build_s={build:.2f} build_cpu_s={build_cpu:.2f} "
          f"disk_bytes={os.path.getsize(path)}")
    for ef in EFS:
        idx.hnsw.efSearch = ef
        _, labels = idx.search(q, K)
        qps, cq = timed_queries(lambda v: idx.search(v, K), q)
        print(f"faiss    ef={ef} recall@10={recall(labels, gt):.4f} "
              f"qps={qps:.0f} cpu_qps={cq:.0f}")
    t0 = time.perf_counter()
    idx2 = faiss.read_index(path)
    idx2.hnsw.efSearch = 64
    idx2.search(q[:1], K)
    print(f"faiss    open_to_first_answer_ms="
          f"{(time.perf_counter() - t0) * 1000:.1f}")


def main():
    base, query, gtp, metric, m, efc, seed, workdir = sys.argv[1:9]
    x = read_vecs(base, np.float32)
    q = read_vecs(query, np.float32)
    gt = read_vecs(gtp, np.int32)
    which = os.environ.get("PEERS", "hnswlib,faiss").split(",")
    if "hnswlib" in which:
        run_hnswlib(x, q, gt, metric, int(m), int(efc), int(seed), workdir)
    if "faiss" in which:
        run_faiss(x, q, gt, metric, int(m), int(efc), workdir)


if __name__ == "__main__":
    main()
