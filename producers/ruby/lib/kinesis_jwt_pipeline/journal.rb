# frozen_string_literal: true

require "fileutils"
require "json"

module KinesisJwtPipeline
  # Append-only spill files for records Kinesis would not take within the retry budget.
  #
  # Layout: <dir>/spill-<time>-<pid>-<n>.jsonl, one signed record per line, fsync'd before the append
  # returns. Each process writes its own file and holds an exclusive flock on it while open, so Puma/Sidekiq
  # processes sharing a directory never interleave lines, and a process can pick up the files of a process
  # that died. Resending walks files oldest first; progress (a byte offset) is kept in <file>.offset,
  # fsync'd after each acknowledged batch, and a file is deleted only when fully acknowledged. A crash
  # mid-resend sends at most one batch twice; the consumer dedupes on (iss, jti).
  class Journal
    attr_reader :dir

    def initialize(dir)
      @dir = dir.to_s
      FileUtils.mkdir_p(@dir)
      @file = nil
      @seq = 0
      @lock = Mutex.new
    end

    def append(messages)
      return if messages.empty?

      @lock.synchronize do
        open_file unless @file
        @file.write(messages.map { |m| JSON.generate(m.to_journal) << "\n" }.join)
        @file.flush
        @file.fsync
      end
    end

    # Closes the file being written so that it can be resent (and releases its lock).
    def seal
      @lock.synchronize { close_file }
    end

    # Something this process should resend: its own open file, or a file no live process holds (a file that
    # another running process is still writing is that process's business).
    def pending?
      return true if @file

      files.any? do |path|
        File.open(path, "r") { |f| f.flock(File::LOCK_SH | File::LOCK_NB) }
      rescue Errno::ENOENT
        false
      end
    end

    # Files ready to resend, oldest first: not locked by a live writer (including ourselves).
    def files
      current = @file&.path
      Dir.glob(File.join(@dir, "spill-*.jsonl")).sort.reject { |p| p == current }
    end

    # Yields batches of messages from the resendable files, oldest first. The block returns true when the
    # batch was acknowledged; returning false stops (progress so far is kept). Returns :done or :stopped.
    # Files still locked by another live process are left to it.
    def resend_each(batch_size:, batch_bytes:)
      files.each do |path|
        File.open(path, "r") do |f|
          next unless f.flock(File::LOCK_EX | File::LOCK_NB)

          offset = read_offset(path)
          f.seek(offset)
          loop do
            batch, next_offset = read_batch(f, batch_size, batch_bytes)
            break if batch.empty?
            return :stopped unless yield(batch)

            offset = next_offset
            write_offset(path, offset)
          end
          File.delete(path)
          File.delete(offset_path(path)) if File.exist?(offset_path(path))
        end
      end
      :done
    end

    # Number of records waiting (counts lines; used for observability, not on hot paths).
    def depth
      files.sum { |p| count_from(p, read_offset(p)) } + (@file ? count_from(@file.path, 0) : 0)
    end

    def close
      seal
    end

    private

    def open_file
      @seq += 1
      stamp = Time.now.utc.strftime("%Y%m%dT%H%M%S%6N")
      path = File.join(@dir, format("spill-%s-%d-%d.jsonl", stamp, Process.pid, @seq))
      @file = File.open(path, File::WRONLY | File::APPEND | File::CREAT, 0o600)
      @file.flock(File::LOCK_EX)
    end

    def close_file
      return unless @file

      @file.flock(File::LOCK_UN)
      @file.close
      @file = nil
    end

    def read_batch(file, max_records, max_bytes)
      batch = []
      bytes = 0
      offset = file.pos
      while batch.size < max_records
        line_start = file.pos
        line = file.gets
        break if line.nil?
        # A torn last line (crash during write before fsync) is not a record yet.
        break unless line.end_with?("\n")

        message = Message.from_journal(JSON.parse(line))
        if !batch.empty? && bytes + message.bytesize > max_bytes
          file.seek(line_start)
          break
        end
        batch << message
        bytes += message.bytesize
        offset = file.pos
      end
      [batch, offset]
    end

    def offset_path(path)
      "#{path}.offset"
    end

    def read_offset(path)
      File.exist?(offset_path(path)) ? Integer(File.read(offset_path(path)).strip) : 0
    rescue ArgumentError
      0
    end

    def write_offset(path, offset)
      tmp = "#{offset_path(path)}.tmp"
      File.open(tmp, "w") do |f|
        f.write(offset.to_s)
        f.fsync
      end
      File.rename(tmp, offset_path(path))
    end

    def count_from(path, offset)
      File.open(path, "r") do |f|
        f.seek(offset)
        f.each_line.count
      end
    rescue Errno::ENOENT
      0
    end
  end
end
