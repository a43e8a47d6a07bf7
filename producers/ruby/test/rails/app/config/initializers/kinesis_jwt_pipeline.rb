# frozen_string_literal: true

# The gem's README initializer. Two differences, both because these machines have no aws-sdk-kinesis: the
# client is the tests' Kinesis JSON client (a lambda: one client per process, as README advises for forking
# servers), wrapped in a gate a test can hold to play a slow Kinesis. KJP_APP_KINESIS_CLIENT=aws leaves it
# unset, as a production app would, to check that a missing SDK stops the boot.
require "kinesis_json_client"
require "kinesis_gate"

KinesisJwtPipeline.configure do |c|
  c.stream_name = ENV.fetch("KJP_STREAM_NAME")
  c.issuer      = ENV.fetch("KJP_ISSUER", "crm-rails")
  c.audience    = ENV.fetch("KJP_AUDIENCE", "kjp-test")
  c.signing_key = ENV.fetch("KJP_SIGNING_KEY_PATH")
  c.access_audience = ENV.fetch("KJP_HTTP_AUDIENCE", "kjp-test-http")
  c.access_ttl = Integer(ENV["KJP_ACCESS_TTL"]) if ENV["KJP_ACCESS_TTL"] # the browser test watches a refresh
  unless ENV["KJP_APP_KINESIS_CLIENT"] == "aws"
    endpoint = ENV.fetch("AWS_ENDPOINT_URL_KINESIS")
    c.kinesis_client = -> { KinesisGate.new(KinesisJsonClient.new(endpoint: endpoint)) }
  end
  c.journal_path = ENV["KJP_JOURNAL_DIR"] if ENV["KJP_JOURNAL_DIR"] # default: storage/kinesis_jwt_pipeline
  c.linger = 0.02
end

require "kinesis_jwt_pipeline/outbox"
