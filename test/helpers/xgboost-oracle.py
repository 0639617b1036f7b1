"""Trains XGBoost models and records XGBoost's own predictions, as the oracle an imported model must
agree with (test/xgboost-import.test.ts). Run under Debian's Python (python3-xgboost 1.7,
python3-sklearn, python3-pandas).

usage: xgboost-oracle.py OUT_DIR [BANK_FULL_CSV]

For each model NAME it writes OUT_DIR/NAME.json (save_model) and OUT_DIR/NAME.expected.json:
{"rows": [[...], ...], "outputs": [[...], ...], "seconds": training time}. Rows are the inputs as
modelwatch sends them (numbers; category columns as pandas category codes, categories in sorted
order; null for a missing value), outputs are what XGBoost predicts for each row: the positive
class's probability, the class probabilities, the value, or (multi:softmax) the class index. Floats
are written by Python's repr, which round-trips exactly. Also writes a few files that must be refused.
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

out_dir = sys.argv[1]
bank_full = sys.argv[2] if len(sys.argv) > 2 else ''
rng = np.random.default_rng(13)


def rows_of(X):
    """Rows as JSON lists: NaN becomes null."""
    X = np.asarray(X, dtype=np.float64)
    return np.where(np.isnan(X), None, X).tolist()


def save(name, model, rows, outputs, seconds=0.0):
    model.save_model(os.path.join(out_dir, name + '.json'))
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    with open(os.path.join(out_dir, name + '.expected.json'), 'w') as f:
        json.dump({'rows': rows, 'outputs': outputs.tolist(), 'seconds': seconds}, f)


def classifier(**params):
    return xgb.XGBClassifier(random_state=13, **params)


# Binary: breast cancer, the default base_score (0.5, whose logit is 0).
X, y = load_breast_cancer(return_X_y=True)
m = classifier(n_estimators=100, max_depth=4).fit(X, y)
save('breast-cancer', m, rows_of(X), m.predict_proba(X)[:, 1])

# Binary with missing values, so default_left decides, and a base_score whose logit is not 0.
Xm = X.copy()
Xm[rng.random(Xm.shape) < 0.25] = np.nan
m = classifier(n_estimators=100, max_depth=5, base_score=0.3).fit(Xm, y)
save('breast-cancer-missing', m, rows_of(Xm), m.predict_proba(Xm)[:, 1])

# Multiclass probabilities: wine, three classes.
X, y = load_wine(return_X_y=True)
m = classifier(n_estimators=60, max_depth=3).fit(X, y)
save('wine', m, rows_of(X), m.predict_proba(X))

# A random forest per class (num_parallel_tree 10): tree_info lists each round's trees class by class.
m = xgb.XGBRFClassifier(n_estimators=10, max_depth=3, random_state=13).fit(X, y)
save('wine-forest', m, rows_of(X), m.predict_proba(X))

# multi:softmax through the Booster API: XGBoost answers the class index.
booster = xgb.train({'objective': 'multi:softmax', 'num_class': 3, 'max_depth': 3, 'seed': 13}, xgb.DMatrix(X, label=y), 30)
save('wine-softmax', booster, rows_of(X), booster.predict(xgb.DMatrix(X)))

# Early stopping keeps 5 rounds past the best. XGBClassifier predicts with the rounds up to the
# best one, also once loaded back from its file; a Booster predicts with every round.
X, y = load_breast_cancer(return_X_y=True)
m = classifier(n_estimators=300, max_depth=4, learning_rate=0.5, early_stopping_rounds=5)
m.fit(X[:400], y[:400], eval_set=[(X[400:], y[400:])], verbose=False)
m.save_model(os.path.join(out_dir, 'early-stopped.json'))
reloaded = xgb.XGBClassifier()
reloaded.load_model(os.path.join(out_dir, 'early-stopped.json'))
save('early-stopped', reloaded, rows_of(X), reloaded.predict_proba(X)[:, 1])
booster = xgb.train({'objective': 'binary:logistic', 'max_depth': 4, 'eta': 0.5, 'seed': 13}, xgb.DMatrix(X[:400], label=y[:400]), 300,
                    evals=[(xgb.DMatrix(X[400:], label=y[400:]), 'holdout')], early_stopping_rounds=5, verbose_eval=False)
booster.save_model(os.path.join(out_dir, 'early-stopped-booster.json'))
reloaded = xgb.Booster(model_file=os.path.join(out_dir, 'early-stopped-booster.json'))
save('early-stopped-booster', reloaded, rows_of(X), reloaded.predict(xgb.DMatrix(X)))

# Regression: diabetes, values near 150 (where a float64 sum would drift from XGBoost's float32 one).
X, y = load_diabetes(return_X_y=True)
m = xgb.XGBRegressor(n_estimators=200, max_depth=4, base_score=152.0, random_state=13).fit(X, y)
save('diabetes', m, rows_of(X), m.predict(X))

# Regression with missing values through the Booster API.
Xm = X.copy()
Xm[rng.random(Xm.shape) < 0.2] = np.nan
booster = xgb.train({'objective': 'reg:squarederror', 'max_depth': 4, 'seed': 13}, xgb.DMatrix(Xm, label=y), 80)
save('diabetes-missing', booster, rows_of(Xm), booster.predict(xgb.DMatrix(Xm)))

# Categorical: a 12-category column split by partition, a 3-category column split one-hot
# (max_cat_to_onehot), a numeric column; missing values in all three.
n = 4000
many = rng.choice(list('abcdefghijkl'), n)
few = rng.choice(['red', 'green', 'blue'], n)
num = rng.normal(size=n)
effect = {c: rng.normal() for c in 'abcdefghijkl'}
logit = np.array([effect[c] for c in many]) + np.where(few == 'red', 1.0, -0.5) + num
y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
df = pd.DataFrame({'many': pd.Categorical(many), 'few': pd.Categorical(few), 'num': num})
df.loc[rng.random(n) < 0.05, 'many'] = np.nan
df.loc[rng.random(n) < 0.05, 'few'] = np.nan
df.loc[rng.random(n) < 0.05, 'num'] = np.nan
m = classifier(n_estimators=80, max_depth=4, tree_method='hist', enable_categorical=True, max_cat_to_onehot=4).fit(df, y)


def codes(frame):
    """Category columns as their codes (NaN where missing), numeric columns as they are."""
    cols = []
    for c in frame.columns:
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            k = frame[c].cat.codes.to_numpy().astype(np.float64)
            k[k < 0] = np.nan
            cols.append(k)
        else:
            cols.append(frame[c].to_numpy(dtype=np.float64))
    return np.column_stack(cols)


Xc = codes(df)
expected = list(m.predict_proba(df)[:, 1])
# Codes XGBoost never saw (past the last category, 12 and 1000) as XGBoost scores them from a
# matrix of codes: a category past a node's list goes where unlisted categories go.
extra = Xc[:50].copy()
extra[:25, 0] = 12
extra[25:, 0] = 1000
dm = xgb.DMatrix(extra, feature_names=list(df.columns), feature_types=['c', 'c', 'q'], enable_categorical=True)
Xc = np.vstack([Xc, extra])
expected += list(m.get_booster().predict(dm))
save('categorical', m, rows_of(Xc), expected)

# The real bank-full: 45,211 rows, 9 categorical columns as category codes, depth-6 trees.
if bank_full:
    bank = pd.read_csv(bank_full)
    target = (bank.pop('y') == 'yes').astype(int)
    for c in bank.columns:
        if bank[c].dtype == object:
            bank[c] = bank[c].astype('category')
    start = time.time()
    m = classifier(n_estimators=150, max_depth=6, learning_rate=0.1, tree_method='hist', enable_categorical=True, max_cat_to_onehot=1)
    m.fit(bank, target)
    seconds = time.time() - start
    save('bank-full', m, rows_of(codes(bank)), m.predict_proba(bank)[:, 1], seconds)

# Files that must be refused.
X, y = load_breast_cancer(return_X_y=True)
small = dict(n_estimators=3, max_depth=2)
classifier(objective='binary:logitraw', **small).fit(X, y).save_model(os.path.join(out_dir, 'logitraw.json'))
classifier(booster='gblinear', n_estimators=3).fit(X, y).save_model(os.path.join(out_dir, 'gblinear.json'))
classifier(booster='dart', **small).fit(X, y).save_model(os.path.join(out_dir, 'dart.json'))
classifier(**small).fit(X, y).save_model(os.path.join(out_dir, 'model.ubj'))
print('ok')
