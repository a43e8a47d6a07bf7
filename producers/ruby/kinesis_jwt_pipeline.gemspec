# frozen_string_literal: true

require_relative "lib/kinesis_jwt_pipeline/version"

Gem::Specification.new do |spec|
  spec.name = "kinesis_jwt_pipeline"
  spec.version = KinesisJwtPipeline::VERSION
  spec.summary = "Fire-and-forget signed (JWT) messages from Rails to AWS Kinesis, nothing lost"
  spec.description = "Signs messages as ES256/EdDSA JWTs (kinesis-jwt-pipeline contract v1), batches them to " \
                     "Kinesis PutRecords from a background worker, retries failed entries, spills to a local " \
                     "journal during outages, and offers a transactional outbox."
  spec.authors = ["kinesis-jwt-pipeline"]
  spec.license = "MIT"
  spec.required_ruby_version = ">= 3.1"
  spec.files = Dir["lib/**/*", "README.md"]
  spec.require_paths = ["lib"]

  spec.add_dependency "aws-sdk-kinesis", "~> 1.0"
  # jwt 3 moved EdDSA out to jwt-eddsa; 2.5 is what Debian 12 ships
  spec.add_dependency "jwt", ">= 2.5", "< 3"

  # EdDSA keys need rbnacl (and libsodium); the outbox needs activerecord: both optional at run time.
  spec.add_development_dependency "activerecord", ">= 6.1"
  # the tests boot a Rails app (test/rails/app) and run RelayJob on Sidekiq
  spec.add_development_dependency "rack-test", ">= 1.1"
  spec.add_development_dependency "rails", ">= 6.1"
  spec.add_development_dependency "sidekiq", ">= 6.4"
  # KPL aggregation (aggregate = true) needs google-protobuf: optional at run time, loaded only then.
  spec.add_development_dependency "google-protobuf", ">= 3.21"
  spec.add_development_dependency "minitest", "~> 5.15"
  spec.add_development_dependency "rake", ">= 13"
  spec.add_development_dependency "rbnacl", ">= 7"
  spec.add_development_dependency "sqlite3", ">= 1.4"
  spec.metadata["rubygems_mfa_required"] = "true"
end
