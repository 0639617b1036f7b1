"""Models trained in Python the way a user would, for test/import-e2e.test.ts: saved with
save_model, their reference data written with pandas' to_csv, and XGBoost's own predictions of
every row read back from that CSV (the oracle the served model must equal). Debian's Python with
python3-xgboost, python3-sklearn and python3-pandas.

usage: import-oracle.py OUT_DIR BANK_FULL_CSV
"""
import json
import sys

import pandas as pd
import xgboost as xgb
from sklearn.datasets import load_breast_cancer

out, bank_file = sys.argv[1], sys.argv[2]


def dump(name, values):
    with open(f'{out}/{name}', 'w') as f:
        json.dump([float(v) for v in values], f)


# Breast cancer: 30 numeric columns whose names have spaces; target 0/1.
load_breast_cancer(as_frame=True).frame.to_csv(f'{out}/breast-cancer.csv', index=False)
bc = pd.read_csv(f'{out}/breast-cancer.csv')
X, y = bc.drop(columns='target'), bc['target']
m = xgb.XGBClassifier(n_estimators=100, max_depth=4, random_state=13).fit(X, y)
m.save_model(f'{out}/breast-cancer.json')
dump('breast-cancer.expected.json', m.predict_proba(X)[:, 1])

# bank-full: trained on the first half (rows are chronological) with the categorical columns as
# pandas categories (sorted, pandas' default), so the second half drifts against it.
# Either of the layouts the data comes in: UCI's (";" with quotes) or plain commas.
bank = pd.read_csv(bank_file, sep=None, engine='python')
for c in bank.columns:
    if bank[c].dtype == object and c != 'y':
        bank[c] = bank[c].astype('category')
half = len(bank) // 2
X, y = bank.drop(columns='y'), (bank['y'] == 'yes').astype(int)
m = xgb.XGBClassifier(tree_method='hist', enable_categorical=True, n_estimators=150, max_depth=6, random_state=13)
m.fit(X[:half], y[:half])
m.save_model(f'{out}/bank.json')
bank[:half].to_csv(f'{out}/bank-first-half.csv', index=False)
bank[half:].to_csv(f'{out}/bank-second-half.csv', index=False)
dump('bank.expected.json', m.predict_proba(X)[:, 1])

# Grades: an integer column made categorical (pandas codes it by its sorted categories 1, 3, 10,
# not by its values), a numeric one, and a text target whose classes sort as XGBoost numbered them.
rng_state = 7
grades = pd.DataFrame({
    'grade': [1, 3, 10, 3, 1, 10, 10, 3] * 40,
    'size': [float(i % 17) for i in range(320)],
})
grades['outcome'] = ['benign' if (g == 10 and s > 4) or s > 12 else 'malignant' for g, s in zip(grades['grade'], grades['size'])]
grades.to_csv(f'{out}/grades.csv', index=False)
X = grades.drop(columns='outcome').copy()
X['grade'] = X['grade'].astype('category')
y = (grades['outcome'] == 'malignant').astype(int)   # LabelEncoder's order: benign 0, malignant 1
m = xgb.XGBClassifier(tree_method='hist', enable_categorical=True, n_estimators=20, max_depth=3, random_state=13).fit(X, y)
m.save_model(f'{out}/grades.json')
dump('grades.expected.json', m.predict_proba(X)[:, 1])
