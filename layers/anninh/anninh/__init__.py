"""An Ninh OA shared package: domain logic, data access, Zalo client and models."""
