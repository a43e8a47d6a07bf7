# frozen_string_literal: true

$LOAD_PATH.unshift File.expand_path("../lib", __dir__)
$LOAD_PATH.unshift __dir__
require "minitest/autorun"
require "tmpdir"
require "fileutils"
require "kinesis_jwt_pipeline"
require "support/kinesis_json_client"
require "support/kinesis_mock"
require "support/fault_injecting_client"

module GemTestHelpers
  ISSUER = "rails-monolith"
  AUDIENCE = "kjp-test"

  def self.es256_key
    @es256_key ||= KinesisJwtPipeline::SigningKey.generate(alg: "ES256", kid: "test-es256")
  end

  def self.eddsa_key
    @eddsa_key ||= KinesisJwtPipeline::SigningKey.generate(alg: "EdDSA", kid: "test-eddsa")
  end

  def verifier(key = GemTestHelpers.es256_key)
    KinesisJwtPipeline::TokenVerifier.new(jwks: { "keys" => [key.public_jwk] }, issuer: ISSUER, audience: AUDIENCE)
  end

  # A configuration with short timings so the suite stays fast; override with a block.
  def build_config(client:, stream: "unused", journal: nil)
    c = KinesisJwtPipeline::Configuration.new
    c.stream_name = stream
    c.issuer = ISSUER
    c.audience = AUDIENCE
    c.signing_key = GemTestHelpers.es256_key.jwk
    c.kinesis_client = client
    c.linger = 0.02
    c.retry_base_delay = 0.01
    c.retry_max_delay = 0.05
    c.retry_deadline = 5.0
    c.probe_interval = 0.1
    c.shutdown_timeout = 5.0
    c.flush_at_exit = false
    c.journal_path = journal
    yield c if block_given?
    c
  end

  def tmpdir
    @tmpdir ||= Dir.mktmpdir("kjp-gem-test")
  end

  def collect_events(producer)
    events = Hash.new { |h, k| h[k] = [] }
    lock = Mutex.new
    producer.events.subscribe { |name, payload| lock.synchronize { events[name] << payload } }
    events
  end

  def wait_until(timeout: 5)
    deadline = Time.now + timeout
    until yield
      raise Minitest::Assertion, "condition not met within #{timeout}s" if Time.now > deadline

      sleep 0.01
    end
  end

  def teardown
    @producers&.each { |p| p.close! unless p.closed? }
    FileUtils.rm_rf(@tmpdir) if @tmpdir
    super
  end

  def producer_for(config)
    p = KinesisJwtPipeline::Producer.new(config)
    (@producers ||= []) << p
    p
  end
end

Minitest::Test.include(GemTestHelpers)
