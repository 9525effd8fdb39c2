def clean(df):
    df = df.dropna()
    return df[df["monthly_charges"] > 0]
