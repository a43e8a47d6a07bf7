# frozen_string_literal: true

class Deal < ApplicationRecord
  STAGES = %w[open won lost].freeze
  validates :stage, inclusion: { in: STAGES }
  validates :account_id, presence: true

  # The README's outbox pattern: the message is written in the transaction that makes the change, so both
  # commit or neither does. The message goes first here, so a failing update shows that it is rolled back too.
  def move_to!(stage)
    transaction do
      row = KinesisJwtPipeline::Outbox.enqueue("deal.stage_changed", { "dealId" => id.to_s, "stage" => stage },
                                               partition_key: account_id, sub: account_id)
      update!(stage: stage)
      row
    end
  end
end
