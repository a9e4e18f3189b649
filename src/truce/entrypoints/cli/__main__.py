from truce.entrypoints.cli.main import run

run()
