# frozen_string_literal: true

require_relative "monotonic_clock"

module KinesisJwtPipeline
  # FIFO bounded by message count and by bytes. Producers (request threads) push; one worker takes batches.
  # The worker is woken only when it has something to do (first message, a full batch, flush, close), so a
  # push costs one uncontended lock in the common case.
  class BoundedQueue
    include MonotonicClock

    attr_reader :max_count, :max_bytes

    def initialize(max_count:, max_bytes:, wake_at:)
      @max_count = max_count
      @max_bytes = max_bytes
      @wake_at = wake_at # the worker's batch size: waking it earlier would only make smaller batches
      @items = []
      @bytes = 0
      @lock = Mutex.new
      @not_empty = ConditionVariable.new
      @not_full = ConditionVariable.new
      @wake = ConditionVariable.new
      @closed = false
      @wakeup = false
      @last_seq = 0
    end

    # Sequence number of the last message pushed (flush waits until everything up to it is settled).
    attr_reader :last_seq

    # Sequence number of the oldest queued message, nil when empty.
    def head_seq
      @items.first&.seq
    end

    # policy: :raise, :block (up to timeout seconds, then raise) or :drop (returns false).
    # Returns true when queued.
    def push(message, policy:, timeout: nil)
      @lock.synchronize do
        raise ClosedError, "the producer is closed" if @closed

        unless fits?(message)
          case policy
          when :raise then raise QueueFullError, full_message
          when :drop then return false
          else
            deadline = monotonic + (timeout || 0)
            until fits?(message)
              remaining = deadline - monotonic
              raise QueueFullError, "#{full_message} for #{timeout}s" if remaining <= 0

              @not_full.wait(@lock, remaining)
              raise ClosedError, "the producer is closed" if @closed
            end
          end
        end
        @last_seq += 1
        message.seq = @last_seq
        @items << message
        @bytes += message.bytesize
        @not_empty.signal if @items.size == 1 || @items.size == @wake_at
        true
      end
    end

    # Waits until a message is there (or the wait ends), then until `linger` has passed since the first
    # message arrived or a batch is full. Returns up to max messages (possibly none).
    def take(max:, max_bytes:, linger:, wait:)
      @lock.synchronize do
        @not_empty.wait(@lock, wait) if @items.empty? && !@wakeup && wait.positive?
        if !@items.empty? && @items.size < @wake_at && !@wakeup && !@closed && linger.positive?
          @not_empty.wait(@lock, linger)
        end
        @wakeup = false
        shift_batch(max, max_bytes)
      end
    end

    # Sleeps up to `seconds` unless woken by flush/close (the worker's wait while it holds a full batch).
    def pause(seconds)
      @lock.synchronize do
        @wake.wait(@lock, seconds) if !@wakeup && seconds.positive?
        @wakeup = false
      end
    end

    # Everything still queued (close!, spill at deadline).
    def drain_all
      @lock.synchronize do
        items = @items
        @items = []
        @bytes = 0
        @not_full.broadcast
        items
      end
    end

    # Makes the worker stop lingering (flush, close).
    def wakeup
      @lock.synchronize do
        @wakeup = true
        @not_empty.broadcast
        @wake.broadcast
      end
    end

    def close
      @lock.synchronize do
        @closed = true
        @wakeup = true
        @not_empty.broadcast
        @wake.broadcast
        @not_full.broadcast
      end
    end

    def closed?
      @closed
    end

    def size
      @items.size
    end

    def bytes
      @bytes
    end

    def empty?
      @items.empty?
    end

    private

    def shift_batch(max, max_bytes)
      n = 0
      taken_bytes = 0
      while n < @items.size && n < max
        b = @items[n].bytesize
        break if n.positive? && taken_bytes + b > max_bytes

        taken_bytes += b
        n += 1
      end
      return [] if n.zero?

      batch = @items.shift(n)
      @bytes -= taken_bytes
      @not_full.broadcast
      batch
    end

    def fits?(message)
      @items.size < @max_count && (@bytes + message.bytesize <= @max_bytes || @items.empty?)
    end

    def full_message
      "queue full (#{@items.size}/#{@max_count} messages, #{@bytes}/#{@max_bytes} bytes)"
    end
  end
end
