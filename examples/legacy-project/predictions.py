# Score new customers with the latest model. Run: python predictions.py
import pickle

import pandas as pd

AWS_ACCESS_KEY_ID = "AKIA2E4JQ7MZX9KD3PWL"  # made-up key for the demo (not AWS's documented one): reported, masked

model = pickle.load(open("/home/alice/projects/churn/model_final_v2_FIXED.pkl", "rb"))


def predict(path):
    df = pd.read_csv(path)
    df = pd.get_dummies(df, columns=["contract"])
    df["churn_score"] = model.predict_proba(df.drop(columns=["customer_id"]))[:, 1]
    df.to_csv("predictions_new.csv", index=False)


if __name__ == "__main__":
    predict("/mnt/shared/churn/new_customers.csv")
