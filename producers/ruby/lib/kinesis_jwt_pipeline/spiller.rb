# frozen_string_literal: true

module KinesisJwtPipeline
  # Saves records that could not be delivered: appended to the journal (a "spilled" event), or, when there
  # is no journal or writing it fails, reported by a "dropped" event that carries the records so that the
  # app can still save them. The one place both the worker and the producer's shutdown path put records.
  class Spiller
    def initialize(journal:, events:)
      @journal = journal
      @events = events
    end

    # Returns :spilled, :dropped, or nil when there was nothing to save.
    def call(messages, reason)
      return nil if messages.empty?

      if @journal
        begin
          @journal.append(messages)
          @events.instrument("spilled", count: messages.size, reason: reason, path: @journal.dir,
                                        jtis: messages.map(&:jti))
          return :spilled
        rescue StandardError => e
          @events.instrument("error", error: e, message: e.message, where: "journal")
        end
      end
      @events.instrument("dropped", count: messages.size, reason: reason, jtis: messages.map(&:jti),
                                    records: messages.map { |m| { partition_key: m.partition_key, data: m.token } })
      :dropped
    end
  end
end
