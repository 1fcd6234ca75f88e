"""Runs the real assistant outside production: its servers on loopback with a small trained
model (servers), a double of Slack's Web API and Socket Mode used through the real slack-sdk
clients (slack_double), and what the assistant wrote to the database (records). Used by the
tests and by the scripts that measure the assistant (benchmarks, conversation evaluation);
nothing here is shipped, and nothing here imports the tests."""
