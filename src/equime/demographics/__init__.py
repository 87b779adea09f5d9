"""Who is in the dataset: demographic cells, stratified selection and the balance summary."""
