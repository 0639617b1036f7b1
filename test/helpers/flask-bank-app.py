"""A bank-marketing model served the way many teams serve one: a Flask app around scikit-learn.

It is what `modelwatch gateway --preset flask` stands in front of in the tests: POST /predict takes
one client as a flat JSON object (fields left out get the training data's median or mode, as such
apps do) and answers {"prediction": 0|1, "confidence": ..., "probability": ..., "model_version": ...};
a JSON array of clients is answered by an array. GET /health answers {"status": "healthy"}.

    /usr/bin/python3 flask-bank-app.py --data bank-full.csv --rows 8000 --port 5055

Prints "ready <port>" on stdout once the model is trained and the server is about to listen.
"""
import argparse
import sys

import pandas as pd
from flask import Flask, jsonify, request
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["age", "balance", "day", "duration", "campaign", "pdays", "previous"]
CATEGORICAL = ["job", "marital", "education", "default", "housing", "loan", "contact", "month", "poutcome"]


def train(path, rows):
    data = pd.read_csv(path, nrows=rows)
    model = make_pipeline(
        make_column_transformer((StandardScaler(), NUMERIC), (OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)),
        LogisticRegression(max_iter=1000),
    )
    model.fit(data[NUMERIC + CATEGORICAL], (data["y"] == "yes").astype(int))
    defaults = {c: float(data[c].median()) for c in NUMERIC}
    defaults.update({c: str(data[c].mode()[0]) for c in CATEGORICAL})
    return model, defaults


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--rows", type=int, default=8000)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    model, defaults = train(args.data, args.rows)
    app = Flask("bank-marketing")

    def answer(client):
        row = {c: client.get(c, defaults[c]) for c in NUMERIC + CATEGORICAL}
        p = float(model.predict_proba(pd.DataFrame([row]))[0][1])
        prediction = int(p >= 0.5)
        return {"prediction": prediction, "confidence": p if prediction == 1 else 1 - p, "probability": p, "model_version": "sklearn-logreg-1"}

    @app.post("/predict")
    def predict():
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            return jsonify(answer(body))
        if isinstance(body, list) and all(isinstance(b, dict) for b in body):
            return jsonify([answer(b) for b in body])
        return jsonify({"error": "expected a JSON object of client features"}), 400

    @app.get("/health")
    def health():
        return jsonify({"status": "healthy"})

    print(f"ready {args.port}", flush=True)
    app.run(host="127.0.0.1", port=args.port, threaded=True)


if __name__ == "__main__":
    sys.exit(main())
