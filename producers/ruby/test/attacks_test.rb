# frozen_string_literal: true

require "test_helper"

# The attack corpus (test/attacks/corpus.json, written by the TypeScript side): the gem's verifier must refuse
# every attack with the same reason as the consumer. Schema-stage outcomes (unknown_type, invalid_payload) need
# the consumer's schema registry, which the gem does not have: those tokens must pass the gem's envelope checks.
class AttacksTest < Minitest::Test
  DIR = File.join(KinesisMock::REPO_ROOT, "test")
  CORPUS = JSON.parse(File.read(File.join(DIR, "attacks", "corpus.json")))
  SCHEMA_STAGE = %w[unknown_type invalid_payload accepted].freeze

  def verifier
    vectors = File.join(DIR, "vectors")
    issuers = {
      "crm-rails" => JSON.parse(File.read(File.join(vectors, "jwks.json"))),
      "billing-rails" => JSON.parse(File.read(File.join(vectors, "jwks.billing-rails.json")))
    }
    KinesisJwtPipeline::TokenVerifier.new(issuers: issuers, audience: "crm-pipeline")
  end

  def test_every_attack_gets_the_consumers_outcome
    v = verifier
    mismatches = CORPUS["attacks"].filter_map do |attack|
      got = begin
        v.verify(attack["token"], now: CORPUS["now"])
        "passes the envelope"
      rescue KinesisJwtPipeline::VerificationError => e
        e.reason
      end
      want = SCHEMA_STAGE.include?(attack["expect"]) ? "passes the envelope" : attack["expect"]
      "#{attack['category']}: #{attack['name']}: want #{want}, got #{got}" unless got == want
    end
    assert_empty mismatches, "the gem and the consumer disagree:\n#{mismatches.join("\n")}"
    assert_operator CORPUS["attacks"].size, :>=, 70
  end
end
