from mlops_audit.entry import run

run()
