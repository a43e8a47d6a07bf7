# frozen_string_literal: true

require "active_record"
require "securerandom"
require "socket"
require "kinesis_jwt_pipeline"

module KinesisJwtPipeline
  # Transactional outbox, for messages that must survive a crash between the database commit and the send:
  # `Outbox.enqueue` writes the signed record in the caller's transaction; `Outbox::Relay` sends pending
  # rows in id order (one row per partition key per PutRecords call, so a failed row is never overtaken by
  # a later row of its key) and marks them sent. Relays may run at once (several job workers, overlapping
  # schedules): each run first claims its rows with one UPDATE (a lease), so no row is sent by two relays.
  # Table: `rails generate kinesis_jwt_pipeline:outbox` then `rails db:migrate`.
  module Outbox
    TABLE_NAME = "kinesis_jwt_pipeline_outbox_messages"

    class Record < ::ActiveRecord::Base
      self.table_name = TABLE_NAME
      scope :pending, -> { where(sent_at: nil).order(:id) }
    end

    module_function

    # Call inside the transaction that makes the change the message announces. Returns the row.
    def enqueue(type, data, partition_key:, sub: nil, v: 1, envelope: KinesisJwtPipeline.producer.envelope)
      message = envelope.sign(type, data, partition_key: partition_key.to_s, sub: sub, v: v)
      Record.create!(jti: message.jti, message_type: type, partition_key: message.partition_key, token: message.token)
    end

    # Deletes rows sent before `older_than` (a Time). Returns how many.
    def purge_sent(older_than:)
      Record.where.not(sent_at: nil).where("sent_at < ?", older_than).delete_all
    end

    class Relay
      Result = Struct.new(:sent, :failed, :calls)

      # lease: how long a run's claim holds. A relay that dies mid-run leaves its rows to others after it;
      # a run that outlives it may see its rows claimed and sent again (the consumer dedupes on iss+jti).
      def initialize(client: nil, stream_name: nil, batch_size: 500, scan_limit: 5_000, lease: 300,
                     events: KinesisJwtPipeline.events)
        @client = client || KinesisJwtPipeline.producer.client
        @stream_name = stream_name || KinesisJwtPipeline.configuration.stream_name
        @batch_size = batch_size
        @scan_limit = scan_limit
        @lease = lease
        @events = events
      end

      # Sends what is pending now and not claimed by another relay. A key whose row fails is held for the rest
      # of this run; rows left unsent are released at the end for the next run.
      def run_once
        owner = "#{Socket.gethostname}:#{Process.pid}:#{SecureRandom.hex(6)}"[0, 100]
        result = Result.new(0, 0, 0)
        return result if claim(owner).zero?

        rows = Record.where(claimed_by: owner, sent_at: nil).order(:id).to_a
        held = {}
        until rows.empty?
          batch = next_batch(rows, held)
          break if batch.empty?

          rows -= batch
          send_batch(batch, held, result, owner)
        end
        result
      ensure
        Record.where(claimed_by: owner, sent_at: nil).update_all(claimed_by: nil, claimed_until: nil) if owner
      end

      private

      # One UPDATE, atomic on every database: pending rows that nobody holds a live lease on, skipping keys
      # another relay is sending (their order is that relay's job). The candidate ids sit in a derived table
      # because MySQL refuses an UPDATE whose subquery reads the table being updated.
      def claim(owner)
        now = Time.now.utc
        free = ["claimed_by IS NULL OR claimed_until < ?", now]
        busy_keys = Record.where(sent_at: nil).where.not(claimed_by: nil).where("claimed_until >= ?", now).select(:partition_key)
        candidates = Record.pending.where(*free).where.not(partition_key: busy_keys).limit(@scan_limit).select(:id)
        Record.where(id: Record.unscoped.from(candidates, :candidates).select("candidates.id")).where(sent_at: nil).where(*free)
              .update_all(claimed_by: owner, claimed_until: now + @lease)
      end

      def next_batch(rows, held)
        seen = {}
        rows.each_with_object([]) do |row, batch|
          key = row.partition_key
          next if held[key] || seen[key]

          seen[key] = true
          batch << row
          break batch if batch.size >= @batch_size
        end
      end

      def send_batch(batch, held, result, owner)
        messages = batch.map { |r| KinesisJwtPipeline::Message.signed(partition_key: r.partition_key, token: r.token, type: r.message_type, jti: r.jti) }
        outcome = PutRecords.call(@client, @stream_name, messages)
        result.calls += 1
        by_jti = batch.to_h { |r| [r.jti, r] }
        acked_ids = outcome.acked.map { |(m, _, _)| by_jti[m.jti].id }
        unless acked_ids.empty?
          Record.where(id: acked_ids, claimed_by: owner).update_all(sent_at: Time.now.utc, updated_at: Time.now.utc,
                                                                    claimed_by: nil, claimed_until: nil)
        end
        result.sent += acked_ids.size
        outcome.failed.each do |(m, code, text)|
          row = by_jti[m.jti]
          held[row.partition_key] = true
          Record.where(id: row.id).update_all(["attempts = attempts + 1, last_error = ?", "#{code}: #{text}"[0, 250]])
          result.failed += 1
        end
        unless outcome.acked.empty?
          @events.instrument("acknowledged", count: outcome.acked.size, source: "outbox",
                                             records: outcome.acked.map { |(m, seq, shard)| { jti: m.jti, type: m.type, partition_key: m.partition_key, sequence_number: seq, shard_id: shard } })
        end
        @events.instrument("retried", count: outcome.failed.size, source: "outbox") unless outcome.failed.empty?
      end
    end

    if defined?(::ActiveJob::Base)
      # Schedule it (e.g. every few seconds with good_job/solid_queue cron, or sidekiq-cron).
      class RelayJob < ::ActiveJob::Base
        def perform
          Relay.new.run_once
        end
      end
    end
  end
end
