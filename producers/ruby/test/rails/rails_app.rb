# frozen_string_literal: true

# Boots test/rails/app once per test process, before test_helper loads the gem on its own (script/test loads
# the Rails tests first): Rails, then the gem, as Bundler.require does in an app. The app gets its own
# sqlite database, stream in the real Kinesis emulator, signing key and log, all in a temporary directory.
# The outbox table is created the way an app creates it: the gem's generator writes the migration, then the
# migrations run.
require "tmpdir"
require "json"
require "open3"
$LOAD_PATH.unshift File.expand_path("../../lib", __dir__)
$LOAD_PATH.unshift File.expand_path("../support", __dir__)
require "kinesis_json_client"
require "kinesis_mock"
require "kinesis_jwt_pipeline/signing_key"
require "kinesis_jwt_pipeline/errors"

module RailsApp
  ROOT = File.expand_path("app", __dir__)
  DIR = Dir.mktmpdir("kjp-rails-app")
  owner = Process.pid
  at_exit { FileUtils.rm_rf(DIR) if Process.pid == owner }

  KEY = KinesisJwtPipeline::SigningKey.generate(alg: "ES256", kid: "crm-rails-test")
  KEY_PATH = File.join(DIR, "signing-key.json")
  File.write(KEY_PATH, JSON.generate(KEY.jwk), perm: 0o600)

  ENV.update(
    "RAILS_ENV" => "test",
    "KJP_APP_DATABASE" => File.join(DIR, "app.sqlite3"),
    "KJP_APP_LOG" => File.join(DIR, "app.log"),
    "KJP_JOURNAL_DIR" => File.join(DIR, "journal"),
    "KJP_STREAM_NAME" => KinesisMock.create_stream("rails-app"),
    "KJP_SIGNING_KEY_PATH" => KEY_PATH,
    "AWS_ENDPOINT_URL_KINESIS" => KinesisMock.endpoint
  )
  ENV_KEYS = %w[RAILS_ENV KJP_APP_DATABASE KJP_APP_LOG KJP_JOURNAL_DIR KJP_STREAM_NAME KJP_SIGNING_KEY_PATH
                AWS_ENDPOINT_URL_KINESIS].freeze

  require File.join(ROOT, "config/environment")
  Rails.application.load_generators # what `bin/rails generate` does first
  Rails::Generators.invoke("kinesis_jwt_pipeline:outbox", ["--quiet"], destination_root: DIR, behavior: :invoke)
  MIGRATIONS = [File.join(ROOT, "db/migrate"), File.join(DIR, "db/migrate")].freeze
  ActiveRecord::Migration.verbose = false
  ActiveRecord::MigrationContext.new(MIGRATIONS, ActiveRecord::Base.connection.schema_migration).migrate

  class << self
    def stream
      ENV.fetch("KJP_STREAM_NAME")
    end

    def log
      File.read(ENV.fetch("KJP_APP_LOG"))
    end

    # Other test classes in this process reconfigure or reset the module; put back what the app's boot set.
    def restore!
      return if KinesisJwtPipeline.configured? && KinesisJwtPipeline.configuration.stream_name == stream

      load File.join(ROOT, "config/initializers/kinesis_jwt_pipeline.rb")
    end

    def verifier
      KinesisJwtPipeline::TokenVerifier.new(jwks: { "keys" => [KEY.public_jwk] }, issuer: "crm-rails", audience: "kjp-test")
    end

    # The app's records in the stream, by jti: [{partition_key:, claims:, sequence_number:}].
    def records
      v = verifier
      KinesisMock.client.read_all(stream).each_with_object({}) do |r, out|
        claims = v.verify(r[:data]).last
        (out[claims["jti"]] ||= []) << { partition_key: r[:partition_key], claims: claims, sequence_number: r[:sequence_number].to_i }
      end
    end

    # A fresh Ruby process that boots the app with `env` on top of the suite's, runs `code` and exits.
    # Returns [stdout, stderr, Process::Status].
    def run_ruby(code, env: {}, load_path: [])
      script = "require #{File.join(ROOT, 'config/environment').inspect}\n#{code}"
      args = load_path.flat_map { |p| ["-I", p] }
      Open3.capture3(ENV.slice(*ENV_KEYS).merge(env), RbConfig.ruby, *args, "-e", script)
    end
  end
end
