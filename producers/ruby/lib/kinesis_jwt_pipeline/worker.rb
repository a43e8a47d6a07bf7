# frozen_string_literal: true

require_relative "monotonic_clock"

module KinesisJwtPipeline
  # The one background thread of a process: takes batches from the queue, signs, calls PutRecords,
  # resubmits only failed entries with jittered exponential backoff, and spills to the journal when a record
  # stays unsent past retry_deadline (then every new record goes to the journal too, so order per partition
  # key holds, until a probe finds Kinesis back and the journal has been resent).
  class Worker
    include MonotonicClock

    # The thread's life. running: sending; closing: sending what is left until idle or the close deadline;
    # aborting: stop now, the caller takes what is unsent; stopped: the thread has ended.
    PHASES = {
      created: %i[running],
      running: %i[closing aborting stopped],
      closing: %i[aborting stopped],
      aborting: %i[stopped],
      stopped: []
    }.freeze
    # Where records go. kinesis: PutRecords. journal: an outage; everything is appended to the journal (so
    # order per key holds) until a probe has resent it all.
    ROUTES = { kinesis: %i[journal], journal: %i[kinesis] }.freeze

    attr_reader :thread

    def initialize(config:, queue:, client:, journal:, events:, spiller: Spiller.new(journal: journal, events: events))
      @config = config
      @queue = queue
      @client = client
      @journal = journal
      @events = events
      @spiller = spiller
      @lock = Mutex.new
      @progress = ConditionVariable.new
      @pending = [] # taken from the queue, not yet acknowledged: in order, failed ones back in front
      @in_flight = []
      @phase = Lifecycle.new(PHASES, :created)
      # leftovers of a previous run are resent first
      @route = Lifecycle.new(ROUTES, journal&.pending? ? :journal : :kinesis)
      @next_probe = 0.0
      @close_deadline = nil
      @undelivered = false
      @strict = config.ordering == :strict
      @packer = config.aggregate ? Aggregation::BatchPacker.new(config.max_aggregate_bytes) : nil
    end

    def start
      @phase.to!(:running)
      @thread = Thread.new { run }
      @thread.name = "kinesis_jwt_pipeline" if @thread.respond_to?(:name=)
      @thread.report_on_exception = false
      self
    end

    def alive?
      @thread&.alive?
    end

    def outage?
      @route.in?(:journal)
    end

    def phase
      @phase.state
    end

    # Whether any record was spilled or dropped instead of being delivered (close reports it).
    def undelivered?
      @undelivered
    end

    def pending_count
      @lock.synchronize { @pending.size + @in_flight.size }
    end

    # True when every message up to seq is acknowledged, spilled or dropped.
    def settled_through?(seq)
      head = @queue.head_seq
      return false if head && head <= seq

      @lock.synchronize { @pending.none? { |m| m.seq <= seq } && @in_flight.none? { |m| m.seq <= seq } }
    end

    # Blocks until settled_through?(seq) or the deadline (monotonic seconds); returns whether settled.
    def wait_settled(seq, deadline)
      loop do
        return true if settled_through?(seq)
        return false if !alive? || monotonic >= deadline

        @lock.synchronize { @progress.wait(@lock, [deadline - monotonic, 0.05].min) }
      end
    end

    # Send what is left, then stop; at the deadline whatever is still unsent is spilled.
    def begin_close(deadline)
      @close_deadline = deadline
      @phase.move(:closing) # the thread may have ended already (crashed): then there is nothing to close
      @queue.close
    end

    # Stop now. Returns the messages that were not acknowledged (the caller spills them).
    def abort!
      @phase.move(:aborting)
      @queue.wakeup
      @lock.synchronize do
        left = @in_flight + @pending
        @in_flight = []
        @pending = []
        left
      end
    end

    private

    def run
      until aborting?
        break if closing? && idle?

        if closing? && monotonic >= @close_deadline
          spill(take_all_unsent, :shutdown_deadline)
          break
        end
        outage? ? outage_step : normal_step
        signal_progress
      end
    rescue Exception => e # rubocop:disable Lint/RescueException -- a dying worker must still save its records
      @events.instrument("error", error: e, message: e.message, where: "worker")
      spill(take_all_unsent, :worker_crashed) unless aborting?
      raise unless e.is_a?(StandardError)
    ensure
      @phase.move(:stopped)
      signal_progress
    end

    def normal_step
      now = monotonic
      wait = @pending.empty? ? 1.0 : [next_due - now, 0.0].max
      wait = [wait, @close_deadline - now].min if closing?
      room = @config.max_batch_records - @pending.size
      if room <= 0
        # holding a full batch of retries: leave the rest in the queue, whose bound then pushes back on publish
        @queue.pause(wait)
      else
        linger = @pending.empty? && !closing? ? @config.linger : 0
        fresh = @queue.take(max: room, max_bytes: @config.max_batch_bytes, linger: linger, wait: wait)
        @lock.synchronize { @pending.concat(fresh) } unless fresh.empty?
      end
      send_due
    end

    def send_due
      batch = @lock.synchronize { @in_flight = build_batch(monotonic) }
      return if batch.empty?

      batch.each do |m|
        next if m.signed?

        m.token
        # OpenSSL signing holds the GVL: hand it back after each signature so a request thread calling
        # publish waits for one signature at most, not for a whole batch (or a 100 ms time slice)
        Thread.pass
      end

      result = (@packer ? Aggregation::PutAggregated : PutRecords).call(@client, @config.stream_name, batch)
      return if aborting?

      now = monotonic
      expired = false
      jitter = Backoff.jitter # one draw per call, so entries that failed together are retried together
      @lock.synchronize do
        @in_flight = []
        failed = result.failed.map do |(message, code, text)|
          message.attempts += 1
          message.first_failure_at ||= now
          message.last_error = "#{code}: #{text}"
          message.next_attempt_at = now + Backoff.delay(@config, message.attempts, jitter)
          expired ||= now - message.first_failure_at >= @config.retry_deadline
          message
        end
        @pending = failed + @pending unless failed.empty?
      end
      report(result)
      enter_outage(:retry_deadline) if expired && @journal
    end

    # Oldest first; a message not sent now (not due, batch full) holds back later ones of its key.
    def build_batch(now)
      batch = []
      bytes = 0
      held = {}
      rest = []
      @packer&.reset
      @pending.each do |m|
        if held[m.partition_key] || m.next_attempt_at > now || batch.size >= @config.max_batch_records ||
           (!batch.empty? && bytes + m.bytesize > @config.max_batch_bytes) || (@packer && !@packer.fits?(m))
          held[m.partition_key] = true
          rest << m
        else
          batch << m
          bytes += m.bytesize
          # aggregate: one aggregate per key per call; strict: one record per key per call; either way a
          # failed entry can never be overtaken by a later one
          if @packer
            @packer.add(m)
          elsif @strict
            held[m.partition_key] = true
          end
        end
      end
      @pending = rest
      batch
    end

    def report(result)
      unless result.acked.empty?
        @events.instrument("acknowledged", count: result.acked.size,
                                           records: result.acked.map { |(m, seq, shard, sub)| { jti: m.jti, type: m.type, partition_key: m.partition_key, sequence_number: seq, shard_id: shard }.merge(sub ? { sub_sequence_number: sub } : {}) })
      end
      return if result.failed.empty?

      codes = result.failed.each_with_object(Hash.new(0)) { |(_, code, _), h| h[code] += 1 }
      @events.instrument("retried", count: result.failed.size, error_codes: codes,
                                    attempts: result.failed.map { |(m, _, _)| m.attempts }.max)
      @events.instrument("error", error: result.exception, message: result.exception.message, where: "put_records") if result.exception
    end

    def enter_outage(reason)
      @route.to!(:journal)
      @next_probe = monotonic + @config.probe_interval
      spill(take_all_unsent, reason)
    end

    # While spilled: new records go straight to the journal (behind the older ones); a probe every
    # probe_interval resends the journal and, once it is empty, returns to normal sending.
    def outage_step
      now = monotonic
      wait = closing? ? 0.0 : [@next_probe - now, 0.0].max
      fresh = @queue.take(max: @config.max_batch_records, max_bytes: @config.max_batch_bytes, linger: 0, wait: wait)
      spill(fresh, :outage) unless fresh.empty?
      probe if !closing? && monotonic >= @next_probe
    end

    def probe
      @journal.seal
      resent = 0
      status = @journal.resend_each(batch_size: @config.max_batch_records, batch_bytes: @config.max_batch_bytes) do |batch|
        break :aborted if aborting?

        result = PutRecords.call(@client, @config.stream_name, batch)
        report(result)
        resent += result.acked.size if result.failed.empty?
        result.failed.empty?
      end
      @events.instrument("journal_resent", count: resent) if resent.positive?
      if status == :done && !@journal.pending?
        @route.to!(:kinesis)
        @undelivered = false # everything spilled so far has now been delivered
      else
        @next_probe = monotonic + @config.probe_interval
      end
    end

    def take_all_unsent
      @lock.synchronize do
        left = @in_flight + @pending
        @in_flight = []
        @pending = []
        left
      end + @queue.drain_all
    end

    def spill(messages, reason)
      @undelivered = true if @spiller.call(messages, reason)
    end

    def idle?
      @queue.empty? && @lock.synchronize { @pending.empty? && @in_flight.empty? }
    end

    # closing also after an abort that followed a close: the deadline still applies
    def closing?
      !@close_deadline.nil?
    end

    def aborting?
      @phase.in?(:aborting)
    end

    def next_due
      @lock.synchronize { @pending.map(&:next_attempt_at).min || 0.0 }
    end

    def signal_progress
      @lock.synchronize { @progress.broadcast }
    end
  end
end
