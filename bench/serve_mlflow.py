"""For bench/serve.sh: the scikit-learn twin of Data Lab's iris model (a
logistic regression on the same four columns, trained on the same CSV),
saved as an MLflow model, and the request bodies both servers get."""
import argparse
import json
from pathlib import Path

import mlflow.sklearn
import pandas as pd
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    work = Path(args.work)
    data = pd.read_csv(args.csv)
    x, y = data[FEATURES], data["species"]
    model = LogisticRegression(max_iter=1000).fit(x, y)
    mlflow.sklearn.save_model(model, work / "mlflow-model", signature=infer_signature(x, model.predict(x)))
    for rows in (1, 100):
        sample = x.sample(n=rows, replace=rows > len(x), random_state=rows)
        body = {"dataframe_split": {"columns": FEATURES, "data": sample.values.tolist()}}
        (work / f"body-{rows}.json").write_text(json.dumps(body))


if __name__ == "__main__":
    main()
