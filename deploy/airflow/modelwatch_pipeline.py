"""modelwatch's training pipeline, once a day, from Airflow 2.4 or later.

Not generated (Python): test/stack-kubernetes.test.ts parses this file and checks that the command
below is one `modelwatch pipeline run` accepts, and that the variables it sets are real settings.

The DAG is a single task on purpose. `modelwatch pipeline run` is itself the sequence of steps
(ingest, validate, split, train, evaluate, register, promote); it logs each step, pushes its
metrics to the Pushgateway and prints one JSON report naming the step that failed. Airflow only
schedules it and keeps that report (the last stdout line becomes the task's XCom).

Exit codes, which decide the task's state:
    0  success, including a promotion the gate rejected (the version is registered, not current)
    1  a step failed: the JSON report and the PipelineRunFailed alert say which
    2  bad flags or settings
No retries: a failed step fails the same way when run again, and a second attempt would push a
second failure. Fix the cause and clear the task.

`modelwatch` must be on the worker's PATH (the npm package, or run the task in the service's image
with KubernetesPodOperator and the same arguments). Settings come from Airflow Variables, with
defaults that match deploy/kubernetes/.
"""
from __future__ import annotations

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

# Jinja, rendered per run: changing a Variable needs no redeploy of this file.
PIPELINE_COMMAND = (
    "modelwatch pipeline run"
    " --data {{ var.value.get('modelwatch_data', '/data/bank-full.csv') }}"
    " --json"
)
PIPELINE_ENV = {
    # The registry the serving replicas watch: a promotion here is what they switch to.
    "MODEL_DIR": "{{ var.value.get('modelwatch_model_dir', '/var/lib/modelwatch/models') }}",
    # Where the run's metrics go (pipeline_run_status, model_training_accuracy, ...).
    "PUSHGATEWAY_URL": "{{ var.value.get('modelwatch_pushgateway_url', 'http://pushgateway:9091') }}",
}

with DAG(
    dag_id="modelwatch_pipeline",
    description="Train, evaluate and (if no worse) promote the bank-marketing model",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    # Like the CronJob's concurrencyPolicy Forbid: two runs would race for the registry.
    max_active_runs=1,
    dagrun_timeout=pendulum.duration(hours=1),
    default_args={"retries": 0},
    tags=["modelwatch"],
) as dag:
    BashOperator(
        task_id="pipeline_run",
        bash_command=PIPELINE_COMMAND,
        env=PIPELINE_ENV,
        # Keep the worker's PATH and variables; without it `env` replaces the whole environment.
        append_env=True,
        do_xcom_push=True,
    )
