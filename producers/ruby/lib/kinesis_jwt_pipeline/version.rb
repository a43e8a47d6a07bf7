# frozen_string_literal: true

module KinesisJwtPipeline
  VERSION = "0.1.0"
  # Envelope contract version implemented by this gem (docs/contract.md).
  CONTRACT_VERSION = 1
end
