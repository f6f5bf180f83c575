"""moto in server mode on 127.0.0.1: the AWS side of the tests that execute the deployment.

Serves S3 (it enforces Object Lock: a PUT into a bucket with a default retention needs a checksum),
Secrets Manager and Step Functions. Step Functions executes the Amazon States Language with moto's
own interpreter (the one LocalStack wrote), with two changes made here and nowhere else:

- Lambda tasks are invoked through the Lambda Invoke API at --lambda-endpoint (our bridge, which
  runs the bundled function code) instead of through moto's Lambda, which needs Docker.
- Retry intervals are multiplied by --retry-time-scale (moto honours them as real seconds), so a
  test that exhausts "Interval 15 s, backoff 2, 3 attempts" takes milliseconds, not minutes.

and two fixes of moto 5.2 bugs that Step Functions itself does not have:

- StartExecution deep-copies the state machine with its running executions, whose thread locks
  cannot be copied: a second execution started while one runs (a Distributed Map's children) fails
  with HTTP 500. The copy here leaves the executions list out.
- An execution started without a name is named "None" (AWS generates one): a UUID is given instead.

and one allowance the bridge needs: the bridged Distributed Map fails with the errors the Map
state itself raises (States.ExceedToleratedFailureThreshold, States.ItemReaderFailed, ...), which
moto refuses from a task ("Custom Error Names MUST NOT begin with States.") since a Lambda cannot
raise them. Those names are let through, so a Catch sees what it would see in AWS.

Prints "moto ready on <port>" once it accepts requests; stops on SIGTERM or when stdin closes.
"""

import argparse
import os
import signal
import sys
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lambda-endpoint", required=True)
    parser.add_argument("--retry-time-scale", type=float, default=1.0)
    args = parser.parse_args()

    import boto3
    from botocore.config import Config
    from moto.core.config import default_user_config
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True

    moto_client_for = lambda_eval_utils.boto_client_for

    def client_for(region, service, state_credentials=None):
        if service != "lambda":
            return moto_client_for(region, service, state_credentials)
        return boto3.client(
            "lambda",
            region_name=region,
            endpoint_url=args.lambda_endpoint,
            aws_access_key_id="step-functions",
            aws_secret_access_key="step-functions",
            config=Config(
                parameter_validation=False,
                retries={"max_attempts": 0, "total_max_attempts": 1},
                connect_timeout=5,
                read_timeout=900,
            ),
        )

    lambda_eval_utils.boto_client_for = client_for

    class ScaledTime:
        def __getattr__(self, name):
            return getattr(time, name)

        @staticmethod
        def sleep(seconds):
            time.sleep(seconds * args.retry_time_scale)

    retrier_decl.time = ScaledTime()

    import copy
    import uuid

    from moto.stepfunctions.models import StateMachine
    from moto.stepfunctions.parser import models as parser_models

    def deepcopy_without_executions(self, memo):
        clone = self.__class__.__new__(self.__class__)
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            setattr(clone, key, [] if key == "executions" else copy.deepcopy(value, memo))
        return clone

    StateMachine.__deepcopy__ = deepcopy_without_executions

    from moto.stepfunctions.parser.asl.component.common.error_name import custom_error_name
    from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName

    map_errors = {
        "States.ExceedToleratedFailureThreshold",
        "States.ItemReaderFailed",
        "States.ResultWriterFailed",
        "States.DataLimitExceeded",
        "States.Runtime",
    }
    checked_init = custom_error_name.CustomErrorName.__init__

    def custom_error_init(self, error_name):
        if error_name in map_errors:
            ErrorName.__init__(self, error_name=error_name)
        else:
            checked_init(self, error_name)

    custom_error_name.CustomErrorName.__init__ = custom_error_init

    start_execution = parser_models.StepFunctionsParserBackend.start_execution

    def start_named_execution(self, state_machine_arn, name=None, *rest, **kwargs):
        return start_execution(self, state_machine_arn, name or str(uuid.uuid4()), *rest, **kwargs)

    parser_models.StepFunctionsParserBackend.start_execution = start_named_execution

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    os.environ["MOTO_PORT"] = str(port)
    print(f"moto ready on {port}", flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    server.stop()


if __name__ == "__main__":
    main()
