#!/usr/bin/env python3
"""Writes iris.csv from the copy of Fisher's iris data shipped inside scikit-learn.

scikit-learn stores it as sklearn/datasets/data/iris.csv with a first line
"150,4,setosa,versicolor,virginica" and rows "5.1,3.5,1.4,0.2,0" (class index last).
This script gives it a header and the species names. Usage:

    python3 make_iris_csv.py path/to/sklearn/datasets/data/iris.csv > iris.csv
"""
import csv
import sys

with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
names = rows[0][2:]
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
for r in rows[1:]:
    out.writerow(r[:4] + [names[int(r[4])]])
