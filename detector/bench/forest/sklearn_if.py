"""scikit-learn reference for `npm run bench:forest`: same data (float64 files), same parameters.

usage: sklearn_if.py TRAIN.f64 TEST.f64 WIDTH OUT_SCORES.f64 ; prints one JSON line with timings.
"""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import IsolationForest

train_path, test_path, width, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
train = np.fromfile(train_path, dtype="<f8").reshape(-1, width)
test = np.fromfile(test_path, dtype="<f8").reshape(-1, width)

# CPU seconds of this process (what the Node side measures too), and wall-clock beside them.
fit_times, score_times, fit_walls, score_walls = [], [], [], []
for rep in range(3):
    model = IsolationForest(n_estimators=100, max_samples=256, random_state=rep)
    t0, w0 = time.process_time(), time.perf_counter()
    model.fit(train)
    fit_times.append(time.process_time() - t0)
    fit_walls.append(time.perf_counter() - w0)
    t0, w0 = time.process_time(), time.perf_counter()
    scores = -model.score_samples(test)  # s(x, psi) in [0, 1], higher = more anomalous
    score_times.append(time.process_time() - t0)
    score_walls.append(time.perf_counter() - w0)
    if rep == 0:
        scores.astype("<f8").tofile(out_path)

import sklearn

print(
    json.dumps(
        {
            "version": sklearn.__version__,
            "fitSeconds": min(fit_times),
            "scoreSeconds": min(score_times),
            "fitWall": min(fit_walls),
            "scoreWall": min(score_walls),
        }
    )
)
