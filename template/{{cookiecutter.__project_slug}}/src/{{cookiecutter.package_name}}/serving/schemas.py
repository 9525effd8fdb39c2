"""Request and response schemas: the API contract, validated by pydantic (bad input -> 422)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WineFeatures(BaseModel):
    """One wine to classify (the training feature columns)."""

    model_config = ConfigDict(extra="forbid")

    alcohol: float = Field(ge=0, examples=[13.2])
    malic_acid: float = Field(ge=0, examples=[1.78])
    ash: float = Field(ge=0, examples=[2.14])
    alcalinity_of_ash: float = Field(ge=0, examples=[11.2])
    magnesium: float = Field(ge=0, examples=[100.0])
    total_phenols: float = Field(ge=0, examples=[2.65])
    flavanoids: float = Field(ge=0, examples=[2.76])
    nonflavanoid_phenols: float = Field(ge=0, examples=[0.26])
    proanthocyanins: float = Field(ge=0, examples=[1.28])
    color_intensity: float = Field(ge=0, examples=[4.38])
    hue: float = Field(ge=0, examples=[1.05])
    od280_od315_of_diluted_wines: float = Field(ge=0, examples=[3.4])
    proline: float = Field(ge=0, examples=[1050.0])


class Prediction(BaseModel):
    prediction: int
    probabilities: list[float]
    model_version: str


class BatchRequest(BaseModel):
    instances: list[WineFeatures] = Field(min_length=1, max_length=1000)


class BatchPrediction(BaseModel):
    predictions: list[int]
    model_version: str


class Health(BaseModel):
    status: str
    model_version: str | None = None
