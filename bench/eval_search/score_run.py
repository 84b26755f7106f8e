#!/usr/bin/python3
"""Scores `semlite search --queries ... --json` output against BEIR qrels.

usage: score_run.py QRELS.tsv RUN.jsonl [RUN.jsonl ...]
Prints nDCG@10 (linear gains, as pytrec_eval/BEIR) and recall@100 over the
queries that have judgments. Standard library only.
"""
import json
import math
import sys


def load_qrels(path):
    q = {}
    with open(path, newline="") as f:
        next(f)  # header
        for line in f:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) == 3:
                q.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return q


def score(qrels, run_path):
    ndcg = recall = 0.0
    seen = 0
    with open(run_path) as f:
        runs = {}
        for line in f:
            r = json.loads(line)
            runs[r["query_id"]] = [x["id"] for x in r["results"]]
    for qid, rels in qrels.items():
        ranked = runs.get(qid, [])
        seen += qid in runs
        dcg = sum(rels.get(d, 0) / math.log2(i + 2)
                  for i, d in enumerate(ranked[:10]))
        ideal = sorted((g for g in rels.values() if g > 0), reverse=True)
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal[:10]))
        ndcg += dcg / idcg if idcg else 0.0
        pos = [d for d, g in rels.items() if g > 0]
        recall += (sum(1 for d in ranked[:100] if rels.get(d, 0) > 0)
                   / len(pos)) if pos else 0.0
    n = len(qrels)
    return ndcg / n, recall / n, seen, n


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    qrels = load_qrels(sys.argv[1])
    for run in sys.argv[2:]:
        nd, rc, seen, n = score(qrels, run)
        print("%-40s nDCG@10 %.4f  recall@100 %.4f  (%d/%d queries)"
              % (run, nd, rc, seen, n))


if __name__ == "__main__":
    main()
